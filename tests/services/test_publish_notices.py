"""Who is told when a module is published or updated, and is each told once? (issue 15, item 6;
DESIGN.md: module versions)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale, gettext

from lms.extensions import db
from lms.models import Membership, Module, Notification, Tenant, User
from lms.models.enums import ModuleStatus, NotificationType, TenantRole
from lms.services import certificates, content, publish_notices
from lms.tenancy import tenant_context, unscoped
from tests.factories import assign, make_certificate, make_group, make_module, make_tenant, make_user
from tests.smtp import Inbox, smtp_for

NEW_MODULE, NEW_KNOWLEDGE, UPDATED = (
    NotificationType.NEW_MODULE,
    NotificationType.NEW_KNOWLEDGE,
    NotificationType.MODULE_UPDATED,
)


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with smtp_for(app, monkeypatch) as inbox:
        yield inbox


class Company:
    """acme: HR Hana publishes; Ana and Carl are in Drivers, Dora is not, Eve's membership is off.
    globex (Slovenian) has Bor, in a group of its own."""

    def __init__(self) -> None:
        self.acme = make_tenant("acme")
        self.globex = make_tenant("globex", locale="sl")
        self.hana = make_user("hana@acme.test", (self.acme, TenantRole.HR))
        self.ana = make_user("ana@acme.test", (self.acme, TenantRole.EMPLOYEE))
        self.carl = make_user("carl@acme.test", (self.acme, TenantRole.EMPLOYEE))
        self.dora = make_user("dora@acme.test", (self.acme, TenantRole.VIEWER))
        self.eve = make_user("eve@acme.test", (self.acme, TenantRole.EMPLOYEE))
        self.bor = make_user("bor@globex.test", (self.globex, TenantRole.EMPLOYEE))
        with unscoped("test setup"):
            db.session.execute(sa.update(Membership).where(Membership.user_id == self.eve.id).values(is_active=False))
        self.drivers = make_group(self.acme, "Drivers", [self.ana, self.carl, self.eve, self.hana])
        self.globex_drivers = make_group(self.globex, "Vozniki", [self.bor])


@pytest.fixture
def company(app_ctx: Flask) -> Company:
    return Company()


def _draft(tenant: Tenant, title: str = "Forklift", sections: int = 2) -> Module:
    return make_module(tenant, title, status=ModuleStatus.DRAFT, sections=sections)


def _told(tenant: Tenant, *types: NotificationType) -> list[tuple[NotificationType, int]]:
    with tenant_context(tenant.id):
        return list(
            db.session.execute(
                sa.select(Notification.type, Notification.user_id)
                .where(Notification.type.in_(types))
                .order_by(Notification.user_id, Notification.id)
            )
        )


def _publish(module: Module, actor: User) -> None:
    with tenant_context(module.tenant_id):
        content.publish(module, actor)
        db.session.flush()


def test_publishing_an_assigned_module_tells_the_active_members_of_its_groups_once(
    company: Company, smtp: Inbox
) -> None:
    module = _draft(company.acme)
    assign(module, company.drivers, None)

    _publish(module, company.hana)
    module_id = module.id
    db.session.commit()

    group = [(NEW_MODULE, company.ana.id), (NEW_MODULE, company.carl.id)]
    assert _told(company.acme, NEW_MODULE, NEW_KNOWLEDGE) == group
    with tenant_context(company.acme.id):
        links = set(db.session.scalars(sa.select(Notification.link)))
    assert links == {f"/modules/{module_id}"}
    assert sorted(m["To"] for m in smtp.messages) == ["ana@acme.test", "carl@acme.test"]
    assert {m["Subject"] for m in smtp.messages} == {"New module: Forklift"}
    assert _told(company.globex, NEW_MODULE, NEW_KNOWLEDGE) == []


def test_publishing_again_after_an_archive_tells_nobody_twice(company: Company) -> None:
    module = _draft(company.acme)
    assign(module, company.drivers, None)
    _publish(module, company.hana)

    with tenant_context(company.acme.id):
        assert content.publish(module, company.hana) is False
        content.archive(module, company.hana)
        assert content.publish(module, company.hana) is True
        db.session.flush()

    group = [(NEW_MODULE, company.ana.id), (NEW_MODULE, company.carl.id)]
    assert _told(company.acme, NEW_MODULE, NEW_KNOWLEDGE) == group


def test_a_module_for_no_group_is_new_knowledge_for_every_active_member(company: Company) -> None:
    module = _draft(company.acme)

    _publish(module, company.hana)

    assert _told(company.acme, NEW_MODULE, NEW_KNOWLEDGE) == [
        (NEW_KNOWLEDGE, company.ana.id),
        (NEW_KNOWLEDGE, company.carl.id),
        (NEW_KNOWLEDGE, company.dora.id),
    ]
    assert _told(company.globex, NEW_MODULE, NEW_KNOWLEDGE) == []


def test_a_module_told_as_new_knowledge_is_not_told_again_when_assigned_and_republished(company: Company) -> None:
    module = _draft(company.acme)
    _publish(module, company.hana)
    with tenant_context(company.acme.id):
        content.archive(module, company.hana)
    assign(module, company.drivers, None)

    _publish(module, company.hana)

    assert [type_ for type_, _ in _told(company.acme, NEW_MODULE, NEW_KNOWLEDGE)] == [NEW_KNOWLEDGE] * 3


def test_another_tenants_group_members_are_never_told(company: Company) -> None:
    acme_module, globex_module = _draft(company.acme), _draft(company.globex, "Viličar")
    assign(acme_module, company.drivers, None)
    assign(globex_module, company.globex_drivers, None)

    _publish(acme_module, company.hana)
    _publish(globex_module, company.bor)

    assert _told(company.globex, NEW_MODULE, NEW_KNOWLEDGE) == []
    with tenant_context(company.globex.id):
        assert publish_notices.module_published(globex_module, None) == 1
    assert _told(company.globex, NEW_MODULE) == [(NEW_MODULE, company.bor.id)]
    assert {user_id for _, user_id in _told(company.acme, NEW_MODULE)} == {company.ana.id, company.carl.id}


def test_an_update_tells_only_those_who_completed_an_earlier_version_once_per_version(company: Company) -> None:
    module = make_module(company.acme, "Forklift")
    make_certificate(module, company.ana)
    revoked = make_certificate(module, company.carl)
    with tenant_context(company.acme.id):
        certificates.revoke(revoked, "Cheated")
        content.publish_update(module, "New section on ladders.", company.hana)
        assert publish_notices.module_updated(module, "New section on ladders.", company.hana.id) == 0
        db.session.flush()
    make_certificate(module, company.dora)  # completes version 2

    with tenant_context(company.acme.id):
        assert publish_notices.module_updated(module, "Again", None) == 0, "Dora's version is not earlier"
        content.publish_update(module, "A quiz on ladders.", company.hana)
        db.session.flush()
        messages = list(db.session.scalars(sa.select(Notification.message).where(Notification.type == UPDATED)))

    assert _told(company.acme, UPDATED) == [
        (UPDATED, company.ana.id),
        (UPDATED, company.ana.id),
        (UPDATED, company.dora.id),
    ]
    assert sorted(messages) == [
        "Version 2: New section on ladders.",
        "Version 3: A quiz on ladders.",
        "Version 3: A quiz on ladders.",
    ]


def test_a_slovenian_company_reads_the_notices_in_slovenian(company: Company) -> None:
    module = _draft(company.globex, "Viličar")
    assign(module, company.globex_drivers, None)
    make_certificate(module, company.bor)

    with force_locale("en"):
        _publish(module, company.hana)
        with tenant_context(company.globex.id):
            content.publish_update(module, "Novo poglavje.", None)
            db.session.flush()

    with force_locale("sl"):
        expected = {
            gettext("New module: %(module)s", module="Viličar"),
            gettext("Module updated: %(module)s", module="Viličar"),
        }
    with tenant_context(company.globex.id):
        titles = set(db.session.scalars(sa.select(Notification.title)))
    assert titles == expected
    assert "Nov modul: Viličar" in titles


def test_a_long_module_title_still_fits_the_notice(company: Company) -> None:
    module = _draft(company.acme, "F" * 200, sections=0)

    _publish(module, company.hana)

    with tenant_context(company.acme.id):
        titles = set(db.session.scalars(sa.select(Notification.title)))
    assert [len(title) for title in titles] == [200]


def _members(tenant: Tenant, count: int, tag: str) -> list[User]:
    return [make_user(f"{tag}{number}@acme.test", (tenant, TenantRole.EMPLOYEE)) for number in range(count)]


@pytest.mark.parametrize("kind", ["publish", "update"])
def test_the_query_count_does_not_grow_with_the_recipients(
    company: Company, count_queries: list[str], kind: str
) -> None:
    counts = []
    for size in (3, 30):
        people = _members(company.acme, size, f"p{size}-")
        module = _draft(company.acme, f"Module for {size}")
        assign(module, make_group(company.acme, f"Group of {size}", people), None)
        if kind == "update":
            _publish(module, company.hana)
            for person in people:
                make_certificate(module, person)
        with tenant_context(company.acme.id):
            db.session.expire_all()
            module = db.session.get(Module, module.id)
            before = len(count_queries)
            if kind == "publish":
                content.publish(module, company.hana)
            else:
                content.publish_update(module, "More.", company.hana)
            db.session.flush()
            counts.append(len(count_queries) - before)
        assert len(_told(company.acme, UPDATED if kind == "update" else NEW_MODULE)) >= size

    assert counts[0] == counts[1]
