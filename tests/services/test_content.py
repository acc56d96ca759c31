"""Do the content rules hold: safe HTML, safe embeds, no prerequisite cycles, dense order, versions? (issue 5)"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import AuditLog, Membership, Module, ModuleChangeLog, ModulePrerequisite, Section, Tag, Tenant
from lms.models.enums import (
    AuditAction,
    ModuleStatus,
    Permission,
    TenantPlan,
    TenantRole,
)
from lms.permissions import can, rights_of
from lms.services import content
from lms.services.plans import PlanLimitReached
from lms.tenancy import tenant_context, unscoped
from tests.factories import TwoTenants, make_user, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    world = two_tenants()
    db.session.commit()
    return world


def _modules(*titles: str) -> list[Module]:
    modules = [Module(title=title) for title in titles]
    db.session.add_all(modules)
    db.session.flush()
    return modules


def _prerequisite_pairs() -> set[tuple[int, int]]:
    rows = db.session.execute(
        sa.select(ModulePrerequisite.dependent_module_id, ModulePrerequisite.prerequisite_module_id)
    )
    return {tuple(row) for row in rows}


# --- HTML --------------------------------------------------------------------------------


def test_sanitizer_removes_scripts_event_handlers_and_javascript_links() -> None:
    dirty = (
        "<p onclick=\"steal()\">Hi<script>alert('x')</script></p>"
        '<img src="x.png" onerror="alert(1)">'
        '<a href="javascript:alert(1)">click</a>'
        "<style>body{display:none}</style>"
        '<p style="color:red">styled</p>'
        '<iframe src="https://evil.test"></iframe>'
    )

    clean = content.sanitize_html(dirty)

    for gone in ("script", "alert", "onclick", "onerror", "javascript:", "style=", "iframe", "display:none"):
        assert gone not in clean
    assert "<p>Hi</p>" in clean
    assert '<img src="x.png">' in clean
    assert "click" in clean


def test_sanitizer_keeps_headings_lists_links_images_and_tables() -> None:
    html = (
        "<h1>One</h1><h3>Three</h3><ul><li>a</li></ul><ol><li>b</li></ol>"
        '<p><strong>bold</strong> <em>it</em> <a href="https://acme.test/x" title="t">link</a>'
        ' <a href="mailto:hr@acme.test">mail</a></p>'
        '<img src="https://cdn.acme.test/a.png" alt="A" width="10" height="20"><img src="/static/b.png" alt="B">'
        '<table><thead><tr><th colspan="2">H</th></tr></thead><tbody><tr><td rowspan="2">c</td></tr></tbody></table>'
        "<blockquote>q</blockquote><pre><code>x = 1</code></pre><hr>"
    )

    clean = content.sanitize_html(html)

    for kept in (
        "<h1>One</h1>",
        "<h3>Three</h3>",
        "<ul><li>a</li></ul>",
        "<ol><li>b</li></ol>",
        "<strong>bold</strong>",
        '<a href="https://acme.test/x" title="t" rel="noopener noreferrer">link</a>',
        '<a href="mailto:hr@acme.test" rel="noopener noreferrer">mail</a>',
        '<img src="https://cdn.acme.test/a.png" alt="A" width="10" height="20">',
        '<img src="/static/b.png" alt="B">',
        '<th colspan="2">H</th>',
        '<td rowspan="2">c</td>',
        "<blockquote>q</blockquote>",
        "<pre><code>x = 1</code></pre>",
        "<hr>",
    ):
        assert kept in clean


def test_images_keep_only_web_or_relative_sources() -> None:
    clean = content.sanitize_html('<img src="data:image/png;base64,AAA" alt="d"><img src="mailto:x@y.z" alt="m">')

    assert clean == '<img alt="d"><img alt="m">'


def test_section_content_is_stored_clean_with_its_plain_text(world: TwoTenants) -> None:
    section = Section(title="S")

    content.set_section_content(section, "<h2>Safety&nbsp;first</h2><p>Wear <b>gloves</b>.</p><script>x()</script>")

    assert section.content == "<h2>Safety&nbsp;first</h2><p>Wear <b>gloves</b>.</p>"
    assert section.search_text == "Safety first Wear gloves."


# --- Video -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "embed"),
    [
        ("https://www.youtube.com/watch?v=8xKq2Lm4TtE", "https://www.youtube-nocookie.com/embed/8xKq2Lm4TtE"),
        ("https://youtube.com/watch?v=8xKq2Lm4TtE&t=30s", "https://www.youtube-nocookie.com/embed/8xKq2Lm4TtE"),
        ("https://m.youtube.com/watch?v=8xKq2Lm4TtE", "https://www.youtube-nocookie.com/embed/8xKq2Lm4TtE"),
        ("https://youtu.be/8xKq2Lm4TtE?si=abc", "https://www.youtube-nocookie.com/embed/8xKq2Lm4TtE"),
        ("https://www.youtube.com/embed/8xKq2Lm4TtE", "https://www.youtube-nocookie.com/embed/8xKq2Lm4TtE"),
        ("https://www.youtube.com/shorts/8xKq2Lm4TtE", "https://www.youtube-nocookie.com/embed/8xKq2Lm4TtE"),
        (
            "https://www.youtube-nocookie.com/embed/8xKq2Lm4TtE",
            "https://www.youtube-nocookie.com/embed/8xKq2Lm4TtE",
        ),
        ("https://vimeo.com/512384671", "https://player.vimeo.com/video/512384671"),
        ("http://www.vimeo.com/512384671/abcdef", "https://player.vimeo.com/video/512384671"),
        ("https://player.vimeo.com/video/512384671", "https://player.vimeo.com/video/512384671"),
    ],
)
def test_youtube_and_vimeo_links_become_safe_embeds(url: str, embed: str) -> None:
    assert content.video_embed(url) == embed


@pytest.mark.parametrize(
    "url",
    [
        "",
        "javascript:alert(1)//youtu.be/8xKq2Lm4TtE",
        "https://evil.test/watch?v=8xKq2Lm4TtE",
        "https://youtube.com.evil.test/watch?v=8xKq2Lm4TtE",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/watch?v=8xKq2Lm4TtE%22onload%3D",
        "ftp://youtu.be/8xKq2Lm4TtE",
        "https://vimeo.com/channels/staffpicks",
        "https://www.youtube.com/playlist?list=PL123",
    ],
)
def test_other_video_addresses_are_refused(url: str) -> None:
    with pytest.raises(content.InvalidVideoUrl):
        content.video_embed(url)


# --- Prerequisites -----------------------------------------------------------------------


def test_a_module_cannot_be_its_own_prerequisite(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        (safety,) = _modules("Safety")

        with pytest.raises(content.PrerequisiteCycle, match="its own prerequisite"):
            content.set_prerequisites(safety, [safety])

        assert _prerequisite_pairs() == set()


def test_a_prerequisite_cycle_is_refused_and_nothing_changes(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        basics, tools, expert = _modules("Basics", "Tools", "Expert")
        content.set_prerequisites(tools, [basics])
        content.set_prerequisites(expert, [tools])
        db.session.flush()
        before = _prerequisite_pairs()

        with pytest.raises(content.PrerequisiteCycle, match="“Expert” already requires “Basics”"):
            content.set_prerequisites(basics, [expert])
        db.session.flush()

        assert _prerequisite_pairs() == before
        assert basics.prerequisites == []


def test_prerequisites_without_a_cycle_are_saved(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        basics, tools, expert = _modules("Basics", "Tools", "Expert")
        content.set_prerequisites(tools, [basics])
        content.set_prerequisites(expert, [basics, tools, basics])
        db.session.flush()

        assert _prerequisite_pairs() == {(tools.id, basics.id), (expert.id, basics.id), (expert.id, tools.id)}


def test_the_cycle_check_reads_the_graph_in_one_query(world: TwoTenants, count_queries: list[str]) -> None:
    with tenant_context(world.acme.id):
        chain = _modules(*(f"M{n}" for n in range(8)))
        for dependent, prerequisite in zip(chain[1:], chain, strict=False):
            content.set_prerequisites(dependent, [prerequisite])
        db.session.flush()
        count_queries.clear()

        with pytest.raises(content.PrerequisiteCycle):
            content.set_prerequisites(chain[0], [chain[-1]])

        assert len(count_queries) == 1


# --- Sections ----------------------------------------------------------------------------


def _module_with_sections(count: int) -> tuple[Module, list[Section]]:
    (module,) = _modules("Ordered")
    sections = []
    for number in range(count):
        section = Section(module=module, title=f"S{number}")
        db.session.add(section)
        content.move_section(section, None)
        sections.append(section)
    db.session.flush()
    return module, sections


def _order(module: Module) -> list[tuple[str, int]]:
    db.session.flush()
    rows = db.session.execute(
        sa.select(Section.title, Section.sort_order).where(Section.module_id == module.id).order_by(Section.sort_order)
    )
    return [tuple(row) for row in rows]


def test_new_sections_go_last_and_stay_numbered_densely(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        module, _ = _module_with_sections(3)

        assert _order(module) == [("S0", 0), ("S1", 1), ("S2", 2)]


def test_moving_a_section_renumbers_its_module_densely(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        module, (first, second, _third, fourth) = _module_with_sections(4)

        content.move_section(fourth, 0)
        assert _order(module) == [("S3", 0), ("S0", 1), ("S1", 2), ("S2", 3)]
        content.shift_section(fourth, 1)
        assert _order(module) == [("S0", 0), ("S3", 1), ("S1", 2), ("S2", 3)]
        content.shift_section(first, -1)
        content.move_section(second, 99)
        assert _order(module) == [("S0", 0), ("S3", 1), ("S2", 2), ("S1", 3)]


def test_deleting_a_section_closes_the_gap(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        module, (_, second, _third) = _module_with_sections(3)

        content.close_gap(second)
        db.session.delete(second)

        assert _order(module) == [("S0", 0), ("S2", 1)]


# --- Publishing and versions -------------------------------------------------------------


def _audits(action: AuditAction) -> list[AuditLog]:
    return list(db.session.scalars(sa.select(AuditLog).where(AuditLog.action == action)))


def test_publish_and_archive_change_status_once_and_are_audited(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        (module,) = _modules("Safety")

        assert content.publish(module, world.ana) is True
        assert content.publish(module, world.ana) is False
        assert module.status is ModuleStatus.PUBLISHED
        assert module.published_at is not None
        assert content.archive(module, world.ana) is True
        assert module.status is ModuleStatus.ARCHIVED
        db.session.flush()

        assert [row.actor_id for row in _audits(AuditAction.MODULE_PUBLISHED)] == [world.ana.id]
        assert [row.entity_id for row in _audits(AuditAction.MODULE_ARCHIVED)] == [str(module.id)]


def test_publishing_an_update_bumps_the_version_and_logs_the_change(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        (module,) = _modules("Safety")
        content.publish(module, world.ana)

        entry = content.publish_update(module, "  New section on ladders.  ", world.ana)

        assert module.version == 2
        assert (entry.version, entry.change_summary, entry.changed_by_id) == (
            2,
            "New section on ladders.",
            world.ana.id,
        )
        (logged,) = _audits(AuditAction.MODULE_VERSION_PUBLISHED)
        assert logged.details["version"] == 2


@pytest.mark.parametrize(("status", "summary"), [(ModuleStatus.DRAFT, "x"), (ModuleStatus.PUBLISHED, "   ")])
def test_an_update_needs_a_published_module_and_a_summary(
    world: TwoTenants, status: ModuleStatus, summary: str
) -> None:
    with tenant_context(world.acme.id):
        (module,) = _modules("Safety")
        module.status = status

        with pytest.raises(content.ContentError):
            content.publish_update(module, summary, world.ana)

        assert module.version == 1
        assert db.session.scalars(sa.select(ModuleChangeLog)).all() == []


def test_a_free_company_cannot_create_an_eleventh_module(world: TwoTenants) -> None:
    acme = db.session.get(Tenant, world.acme.id)
    acme.plan = TenantPlan.FREE
    with tenant_context(world.acme.id):
        for number in range(10):
            content.create_module(acme, f"Module {number}", created_by=world.ana)
        db.session.flush()

        with pytest.raises(PlanLimitReached, match="The FREE plan allows 10 modules"):
            content.create_module(acme, "One too many", created_by=world.ana)


# --- Tags and mentors --------------------------------------------------------------------


def test_tags_are_reused_by_name_and_created_on_the_fly(world: TwoTenants) -> None:
    with tenant_context(world.globex.id):
        db.session.add(Tag(name="Ladders"))
    with tenant_context(world.acme.id):
        db.session.add(Tag(name="Safety", sort_order=4))
        (module,) = _modules("Work at height")

        content.set_tags(module, ["safety", " Ladders ", "ladders", ""])
        db.session.flush()

        assert [tag.name for tag in module.tags] == ["Safety", "Ladders"]
        assert db.session.scalar(sa.select(Tag.sort_order).where(Tag.name == "Ladders")) == 5
        assert db.session.scalar(sa.select(sa.func.count(Tag.id))) == 2


def test_only_members_of_the_company_can_mentor(world: TwoTenants) -> None:
    outsider = make_user("out@globex.test", (db.session.get(Tenant, world.globex.id), TenantRole.HR))
    with tenant_context(world.acme.id):
        (module,) = _modules("Safety")

        with pytest.raises(content.ContentError, match="not a member"):
            content.set_mentors(module, [world.ana, outsider])
        content.set_mentors(module, [world.ana])

        assert module.mentors == [world.ana]


def test_mentoring_a_module_counts_as_manage_own_modules_in_that_company_only(world: TwoTenants) -> None:
    acme, globex = db.session.get(Tenant, world.acme.id), db.session.get(Tenant, world.globex.id)
    with unscoped("test: Ana joins globex too"):
        db.session.add(Membership(tenant_id=globex.id, user_id=world.ana.id))
    assert not can(world.ana, Permission.MANAGE_OWN_MODULES, acme)
    with tenant_context(world.acme.id):
        (module,) = _modules("Forklift")
        content.set_mentors(module, [world.ana])
        db.session.flush()

    assert can(world.ana, Permission.MANAGE_OWN_MODULES, acme)
    assert rights_of(world.ana, acme).permissions == {Permission.MANAGE_OWN_MODULES}
    assert not can(world.ana, Permission.MANAGE_OWN_MODULES, globex)
    assert rights_of(world.ana, globex).permissions == set()
