"""Do the chat rooms keep their rules? (issue 15, item 1)"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import ChatMessage, ModuleMentor, User, XpTransaction
from lms.models.enums import ChatMessageType, ModuleStatus, TenantRole, XpSourceType
from lms.services import chat, content
from lms.tenancy import tenant_context
from tests.conftest import need_service
from tests.factories import TwoTenants, make_module, make_user, two_tenants, xp_balance_row


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _messages(module_id: int | None = None) -> list[ChatMessage]:
    db.session.expire_all()
    room = ChatMessage.module_id.is_(None) if module_id is None else ChatMessage.module_id == module_id
    return list(db.session.scalars(sa.select(ChatMessage).where(room).order_by(ChatMessage.id)))


def _mentor_xp(user_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(XpTransaction.amount).where(
                XpTransaction.user_id == user_id, XpTransaction.source == XpSourceType.MENTOR_CONFIRMATION
            )
        )
    )


def test_rooms_are_the_company_and_published_modules_of_the_tenant(world: TwoTenants) -> None:
    basics = make_module(world.acme, "Safety basics")
    foreign = make_module(world.globex, "Varnost")
    draft = make_module(world.acme, "Draft", status=ModuleStatus.DRAFT)
    with tenant_context(world.acme.id):
        assert chat.room(None).module is None
        assert chat.room(basics.id).module_id == basics.id
        for module_id in (foreign.id, draft.id):
            with pytest.raises(chat.RoomNotFound):
                chat.room(module_id)


def test_body_must_be_one_to_4000_characters_and_nothing_is_written_otherwise(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        room = chat.room(None)
        for body in ("", "   ", "x" * 4001, "x" * 100_000):
            with pytest.raises(chat.InvalidMessage):
                chat.post(world.ana.id, room, body)
        assert _messages() == []
        assert chat.post(world.ana.id, room, "x" * 4000).body == "x" * 4000


def test_viewer_cannot_post(world: TwoTenants) -> None:
    viewer = make_user("vid@acme.test", (world.acme, TenantRole.VIEWER))
    with tenant_context(world.acme.id):
        with pytest.raises(chat.PostNotAllowed):
            chat.post(viewer.id, chat.room(None), "Hello")
        assert _messages() == []


def test_recent_older_and_newer_page_through_one_room(world: TwoTenants) -> None:
    basics = make_module(world.acme, "Safety basics")
    with tenant_context(world.acme.id):
        company, module_room = chat.room(None), chat.room(basics.id)
        ids = [chat.post(world.ana.id, company, f"m{n}").id for n in range(120)]
        chat.post(world.ana.id, module_room, "elsewhere")
        last, more = chat.recent(company)
        assert [m.id for m in last] == ids[-50:]
        assert more
        older, more = chat.recent(company, before=ids[-50])
        assert [m.id for m in older] == ids[20:70]
        assert more
        oldest, more = chat.recent(company, before=ids[20])
        assert [m.id for m in oldest] == ids[:20]
        assert not more
        new, more = chat.newer(company, ids[-3])
        assert [m.id for m in new] == ids[-2:]
        assert not more
        assert chat.newer(company, ids[-1]) == ([], False)


def test_render_body_escapes_html_and_links_only_web_addresses(world: TwoTenants) -> None:
    html = str(chat.render_body("<script>alert(1)</script> see https://example.com/a?b=1&c=2. or javascript:alert(1)"))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert '<a href="https://example.com/a?b=1&amp;c=2" rel="noopener nofollow" target="_blank">' in html
    assert 'href="javascript' not in html
    assert str(chat.render_body('http://x.test/"onmouseover=alert(1)')).count('"') == 6


def test_join_is_written_once_per_user_and_room_and_never_for_a_viewer(world: TwoTenants) -> None:
    basics = make_module(world.acme, "Safety basics")
    viewer = make_user("vid@acme.test", (world.acme, TenantRole.VIEWER))
    with tenant_context(world.acme.id):
        assert chat.join(world.ana, chat.room(None)) is not None
        assert chat.join(world.ana, chat.room(None)) is None
        assert chat.join(world.ana, chat.room(basics.id)) is not None
        assert chat.join(viewer, chat.room(None)) is None
        joins = [m for m in _messages() if m.type is ChatMessageType.JOIN]
        assert [m.user_id for m in joins] == [world.ana.id]


def test_publishing_an_update_tells_the_module_room(world: TwoTenants) -> None:
    basics = make_module(world.acme, "Safety basics")
    with tenant_context(world.acme.id):
        content.publish_update(basics, "New lockout step", None)
        (line,) = _messages(basics.id)
        assert line.type is ChatMessageType.SYSTEM
        assert "version 2" in line.body
        assert "New lockout step" in line.body


def test_a_mentor_confirms_once_and_the_author_gets_xp_once(world: TwoTenants) -> None:
    basics = make_module(world.acme, "Safety basics")
    mentor = make_user("meta@acme.test", (world.acme, TenantRole.EMPLOYEE), name="Meta Mentor")
    with tenant_context(world.acme.id):
        db.session.add(ModuleMentor(module_id=basics.id, user_id=mentor.id))
        answer = chat.post(world.ana.id, chat.room(basics.id), "Use the lockout kit.")
        assert chat.confirm(answer.id, mentor)
        assert not chat.confirm(answer.id, mentor)
        assert answer.is_confirmed_answer
        assert answer.confirmed_by_id == mentor.id
        assert _mentor_xp(world.ana.id) == [30]
        assert xp_balance_row(world.ana.id).total_xp == 30
        actions = [m for m in _messages(basics.id) if m.type is ChatMessageType.ACTION]
        assert [(m.user_id, m.reply_to_id) for m in actions] == [(mentor.id, answer.id)]


def test_confirm_is_refused_to_others_and_for_oneself(world: TwoTenants) -> None:
    basics = make_module(world.acme, "Safety basics")
    other = make_module(world.acme, "Ladders")
    mentor = make_user("meta@acme.test", (world.acme, TenantRole.EMPLOYEE))
    peer = make_user("pia@acme.test", (world.acme, TenantRole.EMPLOYEE))
    hr = make_user("hana@acme.test", (world.acme, TenantRole.HR))
    with tenant_context(world.acme.id):
        db.session.add(ModuleMentor(module_id=other.id, user_id=mentor.id))
        answer = chat.post(world.ana.id, chat.room(basics.id), "Answer")
        company = chat.post(world.ana.id, chat.room(None), "Company answer")
        for actor, message in ((peer, answer), (mentor, answer), (mentor, company), (world.ana, answer)):
            with pytest.raises(chat.ConfirmNotAllowed):
                chat.confirm(message.id, actor)
        assert _mentor_xp(world.ana.id) == []
        assert not answer.is_confirmed_answer
        # MANAGE_ALL_MODULES confirms in every room, the company room too.
        assert chat.confirm(company.id, hr)
        join = chat.join(world.ana, chat.room(basics.id))
        with pytest.raises(chat.InvalidMessage):
            chat.confirm(join.id, hr)


def test_another_tenants_message_is_not_found(world: TwoTenants) -> None:
    hr = make_user("hana@acme.test", (world.acme, TenantRole.HR))
    with tenant_context(world.globex.id):
        foreign = chat.post(world.bor.id, chat.room(None), "Zdravo")
    with tenant_context(world.acme.id), pytest.raises(chat.MessageNotFound):
        chat.confirm(foreign.id, hr)
    with tenant_context(world.globex.id):
        assert not _messages()[0].is_confirmed_answer


def test_eight_parallel_confirms_pay_the_author_once(app: Flask, committed: None) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            need_service("concurrent writers need PostgreSQL (TEST_DATABASE_URL)")
        tenants = two_tenants()
        basics = make_module(tenants.acme, "Safety basics")
        mentors = [make_user(f"m{n}@acme.test", (tenants.acme, TenantRole.EMPLOYEE)) for n in range(4)]
        hrs = [make_user(f"h{n}@acme.test", (tenants.acme, TenantRole.HR)) for n in range(4)]
        with tenant_context(tenants.acme.id):
            for mentor in mentors:
                db.session.add(ModuleMentor(module_id=basics.id, user_id=mentor.id))
            answer_id = chat.post(tenants.ana.id, chat.room(basics.id), "Lock it out").id
        tenant_id, module_id, author_id = tenants.acme.id, basics.id, tenants.ana.id
        actor_ids = [user.id for user in mentors + hrs]
        db.session.commit()
    barrier = threading.Barrier(len(actor_ids))
    failures: list[BaseException] = []
    outcomes: list[bool] = []

    def click(actor_id: int) -> None:
        with app.app_context(), tenant_context(tenant_id):
            actor = db.session.get(User, actor_id)
            barrier.wait()
            try:
                outcomes.append(chat.confirm(answer_id, actor))
                db.session.commit()
            except Exception as error:  # a failure must reach the assertion below, not vanish in the thread
                db.session.rollback()
                failures.append(error)

    threads = [threading.Thread(target=click, args=(actor_id,)) for actor_id in actor_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(outcomes) == [False] * 7 + [True]
    with app.app_context(), tenant_context(tenant_id):
        assert _mentor_xp(author_id) == [30]
        assert xp_balance_row(author_id).total_xp == 30
        actions = [m for m in _messages(module_id) if m.type is ChatMessageType.ACTION]
        assert len(actions) == 1
