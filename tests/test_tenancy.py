"""Does the scoping hook keep each tenant's rows to itself, and fail closed without a tenant?"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, configure_mappers
from sqlalchemy.sql import visitors

from lms import permissions
from lms.errors import TenantContextError
from lms.extensions import db
from lms.models import AuditLog, Membership, ModuleTag, Tag, Tenant, User
from lms.models.base import TenantScoped
from lms.models.enums import AuditAction, TenantRole
from lms.models.upserts import insert_or_ignore, insert_or_update, insert_returning, insert_select_or_ignore
from lms.tenancy import current_tenant_id, tenant_context, tenant_tables, unscoped
from tests.factories import TwoTenants, make_module, signed_in_client, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    world = two_tenants()
    with tenant_context(world.acme.id):
        db.session.add_all([Tag(name="safety"), Tag(name="quality")])
    with tenant_context(world.globex.id):
        db.session.add(Tag(name="prodaja"))
    db.session.commit()
    return world


def _tag_names() -> list[str]:
    return sorted(db.session.scalars(sa.select(Tag.name)))


def test_each_tenant_sees_only_its_own_rows(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        assert _tag_names() == ["quality", "safety"]
    with tenant_context(world.globex.id):
        assert _tag_names() == ["prodaja"]


def test_query_without_a_tenant_raises_instead_of_leaking(world: TwoTenants) -> None:
    with pytest.raises(TenantContextError):
        _tag_names()


def test_get_by_id_of_another_tenant_finds_nothing(world: TwoTenants) -> None:
    acme_id = world.acme.id
    with tenant_context(world.globex.id):
        globex_tag_id = db.session.scalar(sa.select(Tag.id))
    db.session.expunge_all()
    with tenant_context(acme_id):
        assert db.session.get(Tag, globex_tag_id) is None


def test_relationship_load_is_scoped(world: TwoTenants) -> None:
    with unscoped("test"):
        db.session.add(Membership(tenant_id=world.globex.id, user_id=world.ana.id))
        db.session.commit()
    db.session.expire_all()
    with tenant_context(world.acme.id):
        assert [m.tenant_id for m in world.ana.memberships] == [world.acme.id]


def test_orm_update_and_delete_touch_only_the_current_tenant(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        db.session.execute(sa.update(Tag).values(name=Tag.name + " (old)"))
        db.session.execute(sa.delete(Tag).where(Tag.name.like("% (old)")))
        assert _tag_names() == []
    with tenant_context(world.globex.id):
        assert _tag_names() == ["prodaja"]


def test_new_rows_are_stamped_with_the_current_tenant(world: TwoTenants) -> None:
    with tenant_context(world.globex.id):
        tag = Tag(name="skladišče")
        db.session.add(tag)
    db.session.commit()
    with unscoped("test"):
        assert tag.tenant_id == world.globex.id


def test_a_new_row_of_another_tenant_is_refused(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        db.session.add(Tag(name="intruder", tenant_id=world.globex.id))
        with pytest.raises(TenantContextError):
            db.session.flush()
        db.session.rollback()


def test_a_changed_row_of_another_tenant_is_refused(world: TwoTenants) -> None:
    with unscoped("test"):
        globex_tag = db.session.scalar(sa.select(Tag).where(Tag.tenant_id == world.globex.id))
    with tenant_context(world.acme.id):
        globex_tag.name = "hijacked"
        with pytest.raises(TenantContextError):
            db.session.flush()
        db.session.rollback()


def test_new_tenant_row_without_a_tenant_is_refused(app_ctx: Flask) -> None:
    db.session.add(Tag(name="orphan"))
    with pytest.raises(TenantContextError):
        db.session.flush()


def test_unscoped_sees_every_tenant_and_may_write_platform_rows(world: TwoTenants) -> None:
    with unscoped("test"):
        assert _tag_names() == ["prodaja", "quality", "safety"]
        db.session.add(AuditLog(action=AuditAction.TENANT_CREATED, entity_type="tenant", entity_id="1"))
        db.session.flush()
        assert db.session.scalar(sa.select(AuditLog.tenant_id)) is None


def test_tenant_context_restores_the_previous_tenant(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        with tenant_context(world.globex.id):
            assert current_tenant_id() == world.globex.id
        assert current_tenant_id() == world.acme.id
    assert current_tenant_id() is None


def _tags_of(tenant_id: int) -> list[str]:
    with tenant_context(tenant_id):
        return _tag_names()


def _tag_cte() -> sa.Select:
    names = sa.select(Tag.name).cte("names")
    return sa.select(names.c.name)


# Every shape of statement whose FROM reaches a tenant-owned table (issue 10, item 3).
SHAPES: dict[str, Callable[[], sa.Executable]] = {
    "entity": lambda: sa.select(Tag),
    "column": lambda: sa.select(Tag.name),
    "aggregate over select_from": lambda: sa.select(sa.func.count()).select_from(Tag),
    "exists": lambda: sa.select(sa.exists().where(Tag.name == "prodaja")),
    "subquery": lambda: sa.select(sa.select(Tag.name).subquery().c.name),
    "cte": _tag_cte,
    "union with a platform table": lambda: sa.union(sa.select(Tenant.name), sa.select(Tag.name)),
    "aliased entity": lambda: sa.select(aliased(Tag).name),
    "join from a platform table": lambda: sa.select(User.email).join(Membership, Membership.user_id == User.id),
    "IN subquery": lambda: sa.select(User.email).where(User.id.in_(sa.select(Membership.user_id))),
    "relationship EXISTS": lambda: sa.select(User.email).where(User.memberships.any()),
    "core select": lambda: sa.select(Tag.__table__),
    "core aggregate": lambda: sa.select(sa.func.count()).select_from(Tag.__table__),
    "orm update": lambda: sa.update(Tag).values(sort_order=1),
    "orm delete": lambda: sa.delete(Tag),
    "core update": lambda: sa.update(Tag.__table__).values(sort_order=1),
    "core delete": lambda: sa.delete(Tag.__table__),
}


@pytest.mark.parametrize("build", SHAPES.values(), ids=SHAPES.keys())
def test_every_statement_shape_over_tenant_rows_fails_closed(world: TwoTenants, build: Callable) -> None:
    with pytest.raises(TenantContextError):
        db.session.execute(build())


def test_statements_over_platform_tables_run_without_a_tenant(world: TwoTenants) -> None:
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Tenant)) == 2
    assert db.session.scalar(sa.select(sa.exists().where(User.email == "ana@acme.test"))) is True
    assert db.session.scalars(sa.select(User.__table__.c.email).order_by(User.email)).all() == [
        "ana@acme.test",
        "bor@globex.test",
    ]


def test_aggregates_exists_subqueries_and_ctes_see_only_the_current_tenant(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        assert db.session.scalar(SHAPES["aggregate over select_from"]()) == 2
        assert db.session.scalar(SHAPES["exists"]()) is False
        assert sorted(db.session.scalars(SHAPES["subquery"]())) == ["quality", "safety"]
        assert sorted(db.session.scalars(_tag_cte())) == ["quality", "safety"]
        assert db.session.scalars(SHAPES["relationship EXISTS"]()).all() == ["ana@acme.test"]


def _row(tenant_id: int, name: str) -> dict[str, Any]:
    return {"tenant_id": tenant_id, "name": name}


# Inserts run inside acme that would write a row of globex, or of no named tenant.
FOREIGN_INSERTS: dict[str, Callable[[TwoTenants], tuple[sa.Executable, Any]]] = {
    "orm values": lambda w: (sa.insert(Tag).values(_row(w.globex.id, "x")), None),
    "core values": lambda w: (sa.insert(Tag.__table__).values(_row(w.globex.id, "x")), None),
    "orm bulk": lambda w: (sa.insert(Tag), [_row(w.acme.id, "x"), _row(w.globex.id, "y")]),
    "core executemany": lambda w: (sa.insert(Tag.__table__), [_row(w.acme.id, "x"), _row(w.globex.id, "y")]),
    "multi-row values": lambda w: (sa.insert(Tag).values([_row(w.acme.id, "x"), _row(w.globex.id, "y")]), None),
    "parameters overriding values": lambda w: (sa.insert(Tag).values(_row(w.acme.id, "x")), {"tenant_id": w.globex.id}),
    "no tenant_id": lambda w: (sa.insert(Tag).values(name="x"), None),
    "bulk row without tenant_id": lambda w: (sa.insert(Tag), [_row(w.acme.id, "x"), {"name": "y"}]),
    "tenant_id as an expression": lambda w: (
        sa.insert(Tag).values(
            name="x", tenant_id=sa.select(Tenant.id).where(Tenant.slug == "globex").scalar_subquery()
        ),
        None,
    ),
    "from_select of a tenant column": lambda w: (
        sa.insert(Tag).from_select(["tenant_id", "name"], sa.select(Tenant.id, Tenant.slug)),
        None,
    ),
    "from_select of another tenant's literal": lambda w: (
        sa.insert(Tag).from_select(["tenant_id", "name"], sa.select(sa.literal(w.globex.id), Tag.name + " copy")),
        None,
    ),
    "from_select without tenant_id": lambda w: (sa.insert(Tag).from_select(["name"], sa.select(Tenant.slug)), None),
    "link row of another tenant": lambda w: (
        sa.insert(ModuleTag.__table__).values(tenant_id=w.globex.id, module_id=1, tag_id=1),
        None,
    ),
}


@pytest.mark.parametrize("build", FOREIGN_INSERTS.values(), ids=FOREIGN_INSERTS.keys())
def test_an_insert_of_a_row_of_another_tenant_is_refused(world: TwoTenants, build: Callable) -> None:
    statement, parameters = build(world)
    with tenant_context(world.acme.id), pytest.raises(TenantContextError):
        db.session.execute(statement, parameters)
    assert _tags_of(world.globex.id) == ["prodaja"]


def test_inserts_of_the_current_tenants_rows_are_written(world: TwoTenants) -> None:
    acme = world.acme.id
    with tenant_context(acme):
        db.session.execute(sa.insert(Tag).values(_row(acme, "orm")))
        db.session.execute(sa.insert(Tag.__table__).values(_row(acme, "core")))
        db.session.execute(sa.insert(Tag), [_row(acme, "bulk 1"), _row(acme, "bulk 2")])
        db.session.execute(sa.insert(Tag).values([_row(acme, "multi 1"), _row(acme, "multi 2")]))
        db.session.execute(sa.insert(Tag).values(name="stated"), {"tenant_id": acme})
    assert _tags_of(acme) == ["bulk 1", "bulk 2", "core", "multi 1", "multi 2", "orm", "quality", "safety", "stated"]


def test_insert_from_select_reads_and_writes_only_the_current_tenant(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        copies = sa.select(sa.literal(world.acme.id), Tag.name + " copy")
        db.session.execute(sa.insert(Tag).from_select(["tenant_id", "name"], copies))
    assert _tags_of(world.acme.id) == ["quality", "quality copy", "safety", "safety copy"]
    assert _tags_of(world.globex.id) == ["prodaja"]


def test_an_insert_with_no_tenant_active_is_refused(world: TwoTenants) -> None:
    for statement in (
        sa.insert(Tag).values(_row(world.acme.id, "x")),
        sa.insert(Tag.__table__).values(_row(world.acme.id, "x")),
    ):
        with pytest.raises(TenantContextError):
            db.session.execute(statement)
    assert _tags_of(world.acme.id) == ["quality", "safety"]


def test_unscoped_may_insert_rows_of_any_tenant(world: TwoTenants) -> None:
    with tenant_context(world.acme.id), unscoped("test"):
        db.session.execute(sa.insert(Tag).values(_row(world.globex.id, "skladišče")))
    assert _tags_of(world.globex.id) == ["prodaja", "skladišče"]


def test_upsert_helpers_write_the_current_tenants_rows(world: TwoTenants) -> None:
    acme = world.acme.id
    with tenant_context(acme):
        assert insert_or_ignore(Tag, _row(acme, "new"), conflict=["tenant_id", "name"]) is True
        assert insert_or_ignore(Tag, _row(acme, "new"), conflict=["tenant_id", "name"]) is False
        insert_or_update(
            Tag, {**_row(acme, "new"), "sort_order": 5}, conflict=["tenant_id", "name"], update=["sort_order"]
        )
        assert db.session.scalar(sa.select(Tag.sort_order).where(Tag.name == "new")) == 5
        returned = insert_returning(
            Tag, [_row(acme, "new"), _row(acme, "newer")], conflict=["tenant_id", "name"], returning=Tag.name
        )
        assert returned == ["newer"]
        copies = sa.select(sa.literal(acme), Tag.name + " copy").where(Tag.name == "safety")
        insert_select_or_ignore(Tag, ["tenant_id", "name"], copies, conflict=["tenant_id", "name"])
    assert _tags_of(acme) == ["new", "newer", "quality", "safety", "safety copy"]


def test_upsert_helpers_refuse_rows_of_another_tenant(world: TwoTenants) -> None:
    acme, globex = world.acme.id, world.globex.id
    with tenant_context(acme):
        with pytest.raises(TenantContextError):
            insert_or_ignore(Tag, _row(globex, "x"), conflict=["tenant_id", "name"])
        with pytest.raises(TenantContextError):
            insert_or_update(Tag, _row(globex, "prodaja"), conflict=["tenant_id", "name"], update=["name"])
        with pytest.raises(TenantContextError):
            insert_returning(
                Tag, [_row(acme, "x"), _row(globex, "y")], conflict=["tenant_id", "name"], returning=Tag.id
            )
        with pytest.raises(TenantContextError):
            insert_select_or_ignore(
                Tag, ["tenant_id", "name"], sa.select(sa.literal(globex), Tag.name), ["tenant_id", "name"]
            )
    assert _tags_of(globex) == ["prodaja"]


def test_an_upsert_that_could_update_another_tenants_row_is_refused(world: TwoTenants) -> None:
    """ON CONFLICT DO UPDATE changes the row it collides with: its target must include tenant_id."""
    with tenant_context(world.acme.id), pytest.raises(TenantContextError):
        insert_or_update(
            Tag, {**_row(world.acme.id, "prodaja"), "sort_order": 9}, conflict=["name"], update=["sort_order"]
        )


def test_tenant_context_scopes_even_inside_unscoped(world: TwoTenants) -> None:
    """The innermost block decides, however they nest."""
    everyone = ["prodaja", "quality", "safety"]
    with unscoped("test"):
        with tenant_context(world.acme.id):
            assert _tag_names() == ["quality", "safety"]
            with unscoped("test"):
                assert _tag_names() == everyone
            assert _tag_names() == ["quality", "safety"]
        assert _tag_names() == everyone
    with pytest.raises(TenantContextError):
        _tag_names()


def test_a_row_of_another_tenant_is_refused_in_tenant_context_inside_unscoped(world: TwoTenants) -> None:
    with unscoped("test"), tenant_context(world.acme.id):
        db.session.add(Tag(name="intruder", tenant_id=world.globex.id))
        with pytest.raises(TenantContextError):
            db.session.flush()
        db.session.rollback()


def test_lifting_the_scope_does_not_let_a_pending_row_of_another_tenant_through(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        db.session.add(Tag(name="intruder", tenant_id=world.globex.id))
        with pytest.raises(TenantContextError), unscoped("test"):
            _tag_names()
        db.session.rollback()


def test_a_pending_row_keeps_the_tenant_it_was_added_in(world: TwoTenants) -> None:
    acme, globex = world.acme.id, world.globex.id
    with tenant_context(acme):
        tag = Tag(name="logistika")
        db.session.add(tag)
        with tenant_context(globex):
            assert _tag_names() == ["prodaja"]
    assert tag.tenant_id == acme


def test_unscoped_is_logged_at_info_with_its_reason(app_ctx: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="lms.tenancy")
    with unscoped("nightly sweep of every company"):
        pass
    assert [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "lms.tenancy"] == [
        (logging.INFO, "unscoped access: nightly sweep of every company")
    ]


def test_a_signed_in_request_leaves_no_info_line(app_ctx: Flask, caplog: pytest.LogCaptureFixture) -> None:
    """Reading the user's own memberships, on every request, is logged at DEBUG only."""
    world = two_tenants()
    db.session.commit()
    client = signed_in_client(app_ctx, world.ana.get_id(), world.acme.id)
    caplog.set_level(logging.INFO, logger="lms.tenancy")
    caplog.clear()
    assert client.get("/xp").status_code == 200
    assert [r.getMessage() for r in caplog.records if r.name == "lms.tenancy"] == []


def test_permission_lookups_read_the_named_tenant_without_lifting_the_scope(
    world: TwoTenants, caplog: pytest.LogCaptureFixture
) -> None:
    """They run several times a request: entering the named tenant keeps the INFO log for real
    cross-tenant work, and the answer is the same from any tenant, or from an unscoped block."""
    caplog.set_level(logging.INFO, logger="lms.tenancy")
    with tenant_context(world.globex.id):
        assert permissions.role_in(world.ana, world.acme) is TenantRole.EMPLOYEE
        assert permissions.role_in(world.bor, world.acme) is None
    assert [r for r in caplog.records if r.name == "lms.tenancy"] == []
    with unscoped("test"):
        assert permissions.role_in(world.ana, world.acme) is TenantRole.EMPLOYEE
        assert permissions.role_in(world.bor, world.acme) is None
    assert permissions.role_in(world.ana, world.acme) is TenantRole.EMPLOYEE


def test_no_relationship_to_a_tenant_owned_model_is_loaded_by_joined_eager_loading(app_ctx: Flask) -> None:
    """DESIGN.md: ``with_loader_criteria`` does not filter a relationship declared
    ``lazy="joined"`` (SQLAlchemy issue 7862), so no such relationship may exist."""
    configure_mappers()
    joined = [
        f"{mapper.class_.__name__}.{relationship.key}"
        for mapper in db.Model.registry.mappers
        for relationship in mapper.relationships
        if issubclass(relationship.mapper.class_, TenantScoped) and relationship.lazy == "joined"
    ]
    assert joined == []


def test_every_link_table_is_tenant_owned_and_joined_by_tenant(app_ctx: Flask) -> None:
    """DESIGN.md: the scoping hook does not filter a many-to-many link table itself, so each
    carries ``tenant_id``, is checked on write, and its join copies the owner's tenant."""
    configure_mappers()
    links = [
        (mapper, relationship)
        for mapper in db.Model.registry.mappers
        for relationship in mapper.relationships
        if relationship.secondary is not None
    ]
    assert links
    for mapper, relationship in links:
        secondary = relationship.secondary
        joined = {
            (column.table.name, column.key)
            for condition in (relationship.primaryjoin, relationship.secondaryjoin)
            for column in visitors.iterate(condition)
            if isinstance(column, sa.Column)
        }
        assert secondary in tenant_tables(), f"{mapper.class_.__name__}.{relationship.key}"
        assert (secondary.name, "tenant_id") in joined, f"{mapper.class_.__name__}.{relationship.key}"


def test_linking_another_tenants_row_is_refused_on_write(world: TwoTenants) -> None:
    module = make_module(world.acme, "Safety")
    db.session.commit()
    with unscoped("test"):
        prodaja = db.session.scalar(sa.select(Tag).where(Tag.name == "prodaja"))
    with tenant_context(world.acme.id):
        module.tags.append(prodaja)
        with pytest.raises(TenantContextError):
            db.session.flush()
        db.session.rollback()
    with unscoped("test"):
        module.tags.append(prodaja)
        with pytest.raises(IntegrityError):  # the link's same-tenant foreign key
            db.session.flush()
        db.session.rollback()


def test_only_known_code_executes_past_the_session(app_ctx: Flask) -> None:
    """DESIGN.md: a statement run on an engine or connection bypasses the scoping hook.
    Only these may: the start-up check (``SELECT 1``) and the bulk seed, which builds one
    new tenant and writes its ``tenant_id`` itself. Request code never does."""
    allowed = {"lms/__init__.py", "lms/demo/bulk.py", "lms/tenancy.py"}
    root = Path(__file__).resolve().parent.parent
    bypassing = re.compile(r"\.connect\(|\.connection\(|engine\.begin\(|raw_connection")
    found = {
        str(path.relative_to(root))
        for path in (root / "lms").rglob("*.py")
        if bypassing.search(path.read_text(encoding="utf-8"))
    }
    assert found <= allowed
