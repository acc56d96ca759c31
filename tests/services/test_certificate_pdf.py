"""The certificate people print and frame (issue 14, item 8): its layout, language, colours,
logo, signer and verification link, read back from the PDF itself.

Each test renders the real PDF and reads it with pypdf; one also draws it as a PNG among the
test artifacts (``tests/artifacts/``) with poppler's ``pdftoppm``, for a person to look at.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pytest
from flask import Flask
from PIL import Image

from lms.models import Certificate, Tenant
from lms.models.enums import TenantRole, TenantTheme
from lms.pdf import layout_fields, load_layout, render_layout
from lms.services import certificates, tenants
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, make_certificate, make_module, make_user, two_tenants

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
A4_LANDSCAPE = (841.89, 595.28)


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _png(colour: tuple[int, int, int] = (200, 30, 60)) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (240, 80), colour).save(data, format="PNG")
    data.seek(0)
    return data


def _certificate(world: TwoTenants, tenant: Tenant, title: str, holder_name: str, months: int | None) -> Certificate:
    holder = make_user(f"holder@{tenant.slug}.test", (tenant, TenantRole.EMPLOYEE), name=holder_name)
    module = make_module(tenant, title)
    with tenant_context(tenant.id):
        module.validity_months = months
    certificate = make_certificate(module, holder)
    with tenant_context(tenant.id):
        certificate.issued_at = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
        certificate.expires_at = None if months is None else datetime(2027, 3, 12, 9, 0, tzinfo=UTC)
    return certificate


def _render(certificate: Certificate, tenant: Tenant, holder: str, title: str) -> bytes:
    with tenant_context(tenant.id):
        return certificates.render_pdf(certificate, tenant, holder, title)


def test_a_slovenian_companys_certificate_speaks_slovenian_with_its_letters(
    world: TwoTenants, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "BASE_URL", "https://learn.globex.si")
    holder, title = "Žiga Čančar Šušteršič", "Varno delo z viličarjem: čšž"
    certificate = _certificate(world, world.globex, title, holder, 12)

    text = _text(_render(certificate, world.globex, holder, title))

    assert holder in text
    assert title in text
    assert world.globex.name in text
    for words in ("Potrdilo", "Potrdilo prejme", "za uspešno opravljen modul", "Izdano: 12. marec 2026"):
        assert words in text
    assert "Velja do: 12. marec 2027" in text
    assert f"https://learn.globex.si/verify/{certificate.unique_code}" in text
    assert "Certificate" not in text


def test_an_english_companys_certificate_has_its_signer_logo_dates_and_link(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        tenants.update_named_settings(
            world.acme, {"certificate_signer_name": "Olga Owner", "certificate_signer_title": "Head of People"}
        )
        tenants.set_logo(world.acme, _png())
    certificate = _certificate(world, world.acme, "Forklift safety", "Ana Novak", None)

    pdf = _render(certificate, world.acme, "Ana Novak", "Forklift safety")
    text = _text(pdf)

    for words in ("Certificate", "This certifies that", "Ana Novak", "Forklift safety", "Acme"):
        assert words in text
    assert "Issued: March 12, 2026" in text
    assert "Does not expire" in text
    assert "Olga Owner" in text
    assert "Head of People" in text
    assert f"http://lms.test/verify/{certificate.unique_code}" in text
    assert _images(pdf) == 2  # the logo and the QR code


def test_the_page_is_a4_landscape_in_the_theme_colour(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        world.acme.theme = TenantTheme.OCEAN
    certificate = _certificate(world, world.acme, "Safety", "Ana", None)

    pdf = _render(certificate, world.acme, "Ana", "Safety")
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]

    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4_LANDSCAPE, abs=0.1)
    assert b"0 0.4667 0.7137 RG" in page.get_contents().get_data()  # OCEAN's #0077b6 draws the border
    assert _images(pdf) == 1  # no logo uploaded: the QR code alone


def test_a_long_name_and_title_stay_on_the_page(world: TwoTenants) -> None:
    holder = "Marija Terezija Škrjanc Čebašek-Žužek Vrhovnik Zupančič"
    title = "Varnost in zdravje pri delu za vodje izmen v skladišču, proizvodnji in vzdrževanju — letna obnova"
    certificate = _certificate(world, world.globex, "Short", holder, None)

    text = _text(_render(certificate, world.globex, holder, title))

    assert " ".join(holder.split()) in " ".join(text.split())
    assert len(pypdf.PdfReader(io.BytesIO(_render(certificate, world.globex, holder, title))).pages) == 1


def test_every_value_the_layout_names_is_filled(world: TwoTenants) -> None:
    """A designer may use any of the values the filler provides; one the filler lacks fails here."""
    certificate = _certificate(world, world.acme, "Safety", "Ana", None)
    fields = layout_fields(load_layout())

    assert {"holder", "module", "company", "issued", "expires", "verify", "signer_name"} <= fields
    _render(certificate, world.acme, "Ana", "Safety")


def test_a_designer_changes_the_page_in_the_layout_alone() -> None:
    layout = {
        "page": {"orientation": "portrait", "format": "A4"},
        "elements": [
            {"type": "rect", "x": 5, "y": 5, "w": 200, "h": 287, "color": "primary"},
            {"type": "text", "text": "{holder} — {module}", "x": 10, "y": 20, "w": 128, "h": 10, "size": 14},
            {"type": "image", "source": "logo", "x": 10, "y": 40, "w": 40, "h": 20},
        ],
    }

    pdf = render_layout(layout, "t", {"holder": "Ana", "module": "Safety"}, {"logo": None}, {"primary": "#112233"})

    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert "Ana — Safety" in page.extract_text()
    assert float(page.mediabox.width) < float(page.mediabox.height)


def test_the_preview_is_a_sample_certificate_of_the_company(world: TwoTenants) -> None:
    with tenant_context(world.globex.id):
        tenants.update_named_settings(world.globex, {"certificate_signer_name": "Janez Kranjski"})
        pdf = certificates.preview_pdf(world.globex, "Bor Borštnar")

    text = _text(pdf)
    assert "Bor Borštnar" in text
    assert "Janez Kranjski" in text
    assert world.globex.name in text
    assert "Velja do:" in text


def test_the_certificate_is_drawn_as_a_png_for_people_to_look_at(world: TwoTenants) -> None:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("poppler's pdftoppm is not installed (apt-get install poppler-utils): no PNG drawn")
    with tenant_context(world.globex.id):
        world.globex.theme = TenantTheme.OCEAN
        tenants.update_named_settings(
            world.globex,
            {"certificate_signer_name": "Mojca Žagar", "certificate_signer_title": "Direktorica kadrovske službe"},
        )
        tenants.set_logo(world.globex, _png((0, 119, 182)))
    holder, title = "Žiga Čančar Šušteršič", "Varno delo z viličarjem"
    certificate = _certificate(world, world.globex, title, holder, 24)
    ARTIFACTS.mkdir(exist_ok=True)
    source = ARTIFACTS / "certificate-sl.pdf"
    source.write_bytes(_render(certificate, world.globex, holder, title))

    subprocess.run(
        [pdftoppm, "-png", "-r", "60", "-singlefile", str(source), str(ARTIFACTS / "certificate-sl")], check=True
    )

    with Image.open(ARTIFACTS / "certificate-sl.png") as png:
        assert png.width > png.height
