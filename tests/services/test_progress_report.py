"""Does the progress matrix give each cell the status of the shared rules, filter, page and
narrow in SQL, and export every matching learner? (issue 13, item 1)

Each status is checked twice: the words of the cell the page shows (``cells``, in
Python) and the learners the status filter keeps (``learners``, in SQL) — the two forms
of the rule must agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import (
    Certificate,
    Module,
    ModuleCategory,
    ModuleSelfAssessment,
    ProgressOverride,
    QuizAttempt,
    Section,
    SectionCompletion,
    User,
)
from lms.models.enums import ModuleStatus, TenantRole
from lms.models.types import utcnow
from lms.permissions import EVERYWHERE, Reach
from lms.services import progress_report
from lms.services.progress_report import Filters
from lms.tenancy import tenant_context
from tests.factories import (
    TwoTenants,
    assign,
    make_certificate,
    make_group,
    make_module,
    make_quiz,
    make_user,
    two_tenants,
)

NOW = utcnow()


def iso(moment: datetime) -> str:
    return moment.date().isoformat()


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def complete_sections(module: Module, user: User, count: int, when: datetime | None = None) -> None:
    with tenant_context(module.tenant_id):
        sections = db.session.scalars(
            sa.select(Section).where(Section.module_id == module.id).order_by(Section.sort_order)
        ).all()
        for section in sections[:count]:
            db.session.add(
                SectionCompletion(user_id=user.id, module_id=module.id, section_id=section.id, completed_at=when or NOW)
            )
        db.session.flush()


def certify(module: Module, user: User, *, expires_in_days: int | None, revoked: bool = False) -> Certificate:
    certificate = make_certificate(module, user, completed_days_ago=400)
    with tenant_context(module.tenant_id):
        certificate.expires_at = None if expires_in_days is None else NOW + timedelta(days=expires_in_days)
        certificate.revoked_at = NOW - timedelta(days=1) if revoked else None
        db.session.flush()
    return certificate


def words_of(world: TwoTenants, users: list[User], modules: list[Module], **kwargs: object) -> dict[str, list[str]]:
    with tenant_context(world.acme.id):
        grid = progress_report.cells([u.id for u in users], [m.id for m in modules], NOW, **kwargs)
    return {
        user.email.split("@")[0]: [
            "" if grid[(user.id, m.id)] is None else progress_report.words(grid[(user.id, m.id)], iso) for m in modules
        ]
        for user in users
    }


def kept(world: TwoTenants, filters: Filters, reach: Reach = EVERYWHERE) -> list[str]:
    """The learners (by email's name) the report keeps, in its order."""
    with tenant_context(world.acme.id):
        query = progress_report.learners(reach, filters, NOW).order_by(User.name, User.id)
        return [email.split("@")[0] for _, _, email in db.session.execute(query)]


@dataclass
class Statuses:
    module: Module
    learners: dict[str, User]


@pytest.fixture
def statuses(world: TwoTenants) -> Statuses:
    """One learner of acme per case, in one module of two sections with a quiz."""
    module = make_module(world.acme, "Safety", sections=2)
    quiz = make_quiz(module)
    names = [
        "fresh",
        "half",
        "quizzer",
        "done",
        "valid",
        "expiring",
        "lapsed",
        "revoked",
        "late",
        "latecert",
        "renewed",
    ]
    people = {name: make_user(f"{name}@acme.test", (world.acme, TenantRole.EMPLOYEE)) for name in names}
    complete_sections(module, people["half"], 1)
    with tenant_context(world.acme.id):
        db.session.add(QuizAttempt(quiz_id=quiz.id, user_id=people["quizzer"].id, attempt_number=1))
        db.session.flush()
    certify(module, people["done"], expires_in_days=None)
    certify(module, people["valid"], expires_in_days=200)
    certify(module, people["expiring"], expires_in_days=10)
    certify(module, people["lapsed"], expires_in_days=-5)
    certify(module, people["revoked"], expires_in_days=None, revoked=True)
    complete_sections(module, people["revoked"], 2)
    late = make_group(world.acme, "Late", [people["late"], people["latecert"]], joined=NOW - timedelta(days=20))
    assign(module, late, 10, at=NOW - timedelta(days=30))  # due 10 days ago
    complete_sections(module, people["late"], 1)
    certify(module, people["latecert"], expires_in_days=None)
    old = certify(module, people["renewed"], expires_in_days=-40)
    renewal = make_certificate(module, people["renewed"], previous=old)
    with tenant_context(world.acme.id):
        renewal.expires_at = NOW + timedelta(days=300)
        db.session.flush()
    # Bor of globex has a certificate of a globex module: nothing of it may show in acme.
    certify(make_module(world.globex, "Elsewhere"), world.bor, expires_in_days=None)
    return Statuses(module, people)


def test_each_cell_reads_as_the_shared_rules_say(world: TwoTenants, statuses: Statuses) -> None:
    everyone = list(statuses.learners.values())
    day = iso(NOW)
    assert words_of(world, everyone, [statuses.module]) == {
        "fresh": ["Not started"],
        "half": ["In progress 50 %"],
        "quizzer": ["In progress 0 %"],
        "done": [f"Completed {iso(NOW - timedelta(days=400))}"],
        "valid": [f"Certified until {iso(NOW + timedelta(days=200))}"],
        "expiring": [f"Certified until {iso(NOW + timedelta(days=10))}, expiring soon"],
        "lapsed": [f"Expired {iso(NOW - timedelta(days=5))}"],
        "revoked": ["In progress 100 %"],
        "late": ["Overdue by 10 days"],
        "latecert": [f"Completed {iso(NOW - timedelta(days=400))}"],
        "renewed": [f"Certified until {iso(NOW + timedelta(days=300))}"],
    }, f"as of {day}"


@pytest.mark.parametrize(
    ("status", "learners"),
    [
        ("not_started", ["ana", "fresh"]),
        ("in_progress", ["half", "quizzer", "revoked"]),
        ("overdue", ["late"]),
        ("completed", ["done", "latecert"]),
        ("certified", ["expiring", "renewed", "valid"]),
        ("expired", ["lapsed"]),
    ],
)
def test_the_status_filter_keeps_the_learners_whose_cells_show_it(
    world: TwoTenants, statuses: Statuses, status: str, learners: list[str]
) -> None:
    assert sorted(kept(world, Filters(status=status))) == learners


def test_a_status_filter_looks_only_at_the_shown_modules(world: TwoTenants, statuses: Statuses) -> None:
    other = make_module(world.acme, "Other")
    certify(other, statuses.learners["fresh"], expires_in_days=None)

    assert "fresh" in kept(world, Filters(status="completed"))
    assert "fresh" not in kept(world, Filters(status="completed", module_id=statuses.module.id))


def test_overdue_by_a_part_of_a_day_is_one_day(world: TwoTenants) -> None:
    module = make_module(world.acme, "Fire")
    an_hour_more = NOW - timedelta(days=3, hours=1)
    assign(module, make_group(world.acme, "Now", [world.ana], joined=an_hour_more), 3, at=an_hour_more)

    assert words_of(world, [world.ana], [module]) == {"ana": ["Overdue by 1 day"]}


def test_learners_are_active_members_of_the_company_found_by_name_or_email(world: TwoTenants) -> None:
    make_user("cene@acme.test", (world.acme, TenantRole.HR), name="Cene Novak")
    gone = make_user("gone@acme.test", (world.acme, TenantRole.EMPLOYEE))
    gone.is_active = False
    make_user("dora@globex.test", (world.globex, TenantRole.EMPLOYEE), name="Dora Novak")
    db.session.flush()

    assert kept(world, Filters()) == ["ana", "cene"]
    assert kept(world, Filters(search="novak")) == ["cene"]
    assert kept(world, Filters(search="ANA@acme")) == ["ana"]
    assert kept(world, Filters(search="%")) == [], "a LIKE wildcard is a plain character"


def test_group_filter_and_scoped_reach_keep_their_groups_members(world: TwoTenants) -> None:
    bea = make_user("bea@acme.test", (world.acme, TenantRole.EMPLOYEE))
    a = make_group(world.acme, "A", [world.ana])
    b = make_group(world.acme, "B", [bea])

    assert kept(world, Filters(group_id=b.id)) == ["bea"]
    assert kept(world, Filters(), Reach(frozenset({a.id}))) == ["ana"]
    assert kept(world, Filters(group_id=b.id), Reach(frozenset({a.id}))) == []


def test_filters_naming_another_companys_rows_or_a_group_out_of_reach_are_refused(world: TwoTenants) -> None:
    theirs = make_group(world.globex, "Theirs", [world.bor])
    their_module = make_module(world.globex, "Theirs")
    ours = make_group(world.acme, "Ours", [world.ana])
    mine = make_group(world.acme, "Mine", [])
    with tenant_context(world.acme.id):
        for filters in (Filters(group_id=theirs.id), Filters(module_id=their_module.id), Filters(category_id=10**6)):
            with pytest.raises(progress_report.FilterNotFound):
                progress_report.check_filters(filters, EVERYWHERE)
        with pytest.raises(progress_report.GroupOutOfReach):
            progress_report.check_filters(Filters(group_id=ours.id), Reach(frozenset({mine.id})))
        progress_report.check_filters(Filters(group_id=ours.id), Reach(frozenset({ours.id})))


def test_module_columns_are_published_modules_of_the_filters(world: TwoTenants) -> None:
    category = ModuleCategory(name="Safety")
    with tenant_context(world.acme.id):
        db.session.add(category)
        db.session.flush()
    fire = make_module(world.acme, "Fire")
    ladders = make_module(world.acme, "Ladders")
    make_module(world.acme, "Draft", status=ModuleStatus.DRAFT)
    make_module(world.globex, "Globex")
    with tenant_context(world.acme.id):
        ladders.category_id = category.id
        db.session.flush()
    assign(fire, make_group(world.acme, "All", [world.ana]), None, mandatory=True)

    def titles(filters: Filters) -> list[str]:
        with tenant_context(world.acme.id):
            return [title for _, title in db.session.execute(progress_report.module_columns(filters))]

    assert titles(Filters()) == ["Fire", "Ladders"]
    assert titles(Filters(category_id=category.id)) == ["Ladders"]
    assert titles(Filters(module_id=fire.id)) == ["Fire"]
    assert titles(Filters(mandatory=True)) == ["Fire"]


def test_mandatory_only_leaves_out_the_cells_of_learners_it_is_not_mandatory_for(world: TwoTenants) -> None:
    bea = make_user("bea@acme.test", (world.acme, TenantRole.EMPLOYEE))
    fire = make_module(world.acme, "Fire")
    assign(fire, make_group(world.acme, "Must", [world.ana]), None, mandatory=True)
    assign(fire, make_group(world.acme, "May", [bea]), None, mandatory=False)

    assert words_of(world, [world.ana, bea], [fire], mandatory=True) == {"ana": ["Not started"], "bea": [""]}
    assert kept(world, Filters(mandatory=True, status="not_started")) == ["ana"]


def test_a_page_is_sorted_and_paged_in_sql_and_counts_every_match(
    world: TwoTenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress_report, "LEARNERS_PER_PAGE", 2)
    monkeypatch.setattr(progress_report, "MODULES_PER_PAGE", 1)
    for name in ("Cene", "Bea", "Dora"):
        make_user(f"{name.lower()}@acme.test", (world.acme, TenantRole.EMPLOYEE), name=name)
    make_module(world.acme, "Fire")
    make_module(world.acme, "Ladders")

    with tenant_context(world.acme.id):
        first = progress_report.matrix(EVERYWHERE, Filters(), NOW, 1, 2)
        last = progress_report.matrix(EVERYWHERE, Filters(sort="-email"), NOW, 2, 1)
        beyond = progress_report.matrix(EVERYWHERE, Filters(), NOW, 99, 1)

    assert [learner.name for learner in first.learners.items] == ["Ana", "Bea"]
    assert first.learners.has_next
    assert first.total == 4
    assert [column.title for column in first.columns.items] == ["Ladders"]
    assert not first.columns.has_next
    assert [learner.email for learner in last.learners.items] == ["bea@acme.test", "ana@acme.test"]
    assert not last.learners.has_next
    assert beyond.learners.items == []
    assert beyond.total == 4


@pytest.mark.parametrize("size", [3, 30])
def test_a_page_costs_the_same_queries_with_3_or_30_learners_and_modules(
    world: TwoTenants, size: int, count_queries: list[str]
) -> None:
    people = [make_user(f"p{n}@acme.test", (world.acme, TenantRole.EMPLOYEE)) for n in range(size)]
    modules = [make_module(world.acme, f"M{n:02}") for n in range(size)]
    group = make_group(world.acme, "Everyone", people, joined=NOW - timedelta(days=9))
    for index, module in enumerate(modules):
        assign(module, group, 3, mandatory=index % 2 == 0, at=NOW - timedelta(days=9))
        complete_sections(module, people[index], 1)
        certify(module, people[(index + 1) % size], expires_in_days=30 * index - 100)
    count_queries.clear()

    with tenant_context(world.acme.id):
        report = progress_report.matrix(EVERYWHERE, Filters(status="overdue", mandatory=True), NOW)
        progress_report.choices(EVERYWHERE)

    assert report.learners.items
    assert len(count_queries) == 11, count_queries


def test_the_export_has_every_matching_learner_in_chunks_with_the_status_words(
    world: TwoTenants, statuses: Statuses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress_report, "EXPORT_CHUNK", 3)
    second = make_module(world.acme, "Zebra crossing")
    with tenant_context(world.acme.id):
        header, columns = progress_report.export_header(Filters())
        rows = list(progress_report.export_rows(EVERYWHERE, Filters(), NOW, columns, iso))

    assert header == ["Name", "Email", "Safety", "Zebra crossing"]
    assert [row[1].split("@")[0] for row in rows] == sorted(["ana", *statuses.learners])
    by_email = {row[1]: row[2:] for row in rows}
    assert by_email["late@acme.test"] == ["Overdue by 10 days", "Not started"]
    assert by_email["lapsed@acme.test"] == [f"Expired {iso(NOW - timedelta(days=5))}", "Not started"]
    assert second.id in [column.id for column in columns]


def test_the_export_keeps_to_the_reach(world: TwoTenants) -> None:
    bea = make_user("bea@acme.test", (world.acme, TenantRole.EMPLOYEE))
    a = make_group(world.acme, "A", [world.ana])
    make_group(world.acme, "B", [bea])
    make_module(world.acme, "Fire")
    with tenant_context(world.acme.id):
        _, columns = progress_report.export_header(Filters())
        rows = list(progress_report.export_rows(Reach(frozenset({a.id})), Filters(), NOW, columns, iso))

    assert [row[1] for row in rows] == ["ana@acme.test"]


def test_the_timeline_shows_what_the_learner_did_newest_first(world: TwoTenants, statuses: Statuses) -> None:
    late = statuses.learners["late"]
    hana = make_user("hana@acme.test", (world.acme, TenantRole.HR), name="Hana")
    with tenant_context(world.acme.id):
        db.session.add(
            ProgressOverride(
                user_id=late.id, module_id=statuses.module.id, reason="Did it on paper", override_by_id=hana.id
            )
        )
        db.session.add(
            ModuleSelfAssessment(user_id=late.id, module_id=statuses.module.id, rating=4, note="Fairly sure")
        )
        db.session.flush()
        events = progress_report.timeline(EVERYWHERE, late.id, NOW)

    assert [(module, section) for _, module, section in events.sections.rows] == [("Safety", "Safety: part 1")]
    assert [(override.reason, by) for override, _, by in events.overrides.rows] == [("Did it on paper", "Hana")]
    assert [(a.rating, a.note) for a, _ in events.assessments.rows] == [(4, "Fairly sure")]
    assert [(d.module, d.overdue, d.mandatory) for d in events.deadlines.rows] == [("Safety", True, False)]
    assert not events.sections.cut


def test_the_timeline_marks_renewed_and_revoked_certificates(world: TwoTenants, statuses: Statuses) -> None:
    with tenant_context(world.acme.id):
        renewed = progress_report.timeline(EVERYWHERE, statuses.learners["renewed"].id, NOW)
        revoked = progress_report.timeline(EVERYWHERE, statuses.learners["revoked"].id, NOW)

    assert [event.status for event in renewed.certificates.rows] == ["Valid", "Expired"]
    assert [event.status for event in revoked.certificates.rows] == ["Revoked"]


def test_the_timeline_is_cut_at_its_limit_and_says_so(
    world: TwoTenants, statuses: Statuses, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress_report, "TIMELINE_LIMIT", 1)
    with tenant_context(world.acme.id):
        events = progress_report.timeline(EVERYWHERE, statuses.learners["revoked"].id, NOW)

    assert len(events.sections.rows) == 1
    assert events.sections.cut


@pytest.mark.parametrize("who", ["bor", "stranger", "outside"])
def test_the_timeline_of_someone_not_in_the_report_is_not_found(world: TwoTenants, who: str) -> None:
    bea = make_user("bea@acme.test", (world.acme, TenantRole.EMPLOYEE))
    a = make_group(world.acme, "A", [world.ana])
    make_group(world.acme, "B", [bea])
    user_id = {"bor": world.bor.id, "stranger": 10**6, "outside": bea.id}[who]
    with tenant_context(world.acme.id), pytest.raises(progress_report.LearnerNotFound):
        progress_report.timeline(Reach(frozenset({a.id})) if who == "outside" else EVERYWHERE, user_id, NOW)


def test_cells_are_computed_in_a_handful_of_queries(world: TwoTenants, count_queries: list[str]) -> None:
    modules = [make_module(world.acme, f"M{n}") for n in range(5)]
    count_queries.clear()
    with tenant_context(world.acme.id):
        progress_report.cells([world.ana.id], [m.id for m in modules], NOW)

    assert len(count_queries) == 5
