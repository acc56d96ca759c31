"""Community: live events (issue 15, item 4).

Managers of all modules schedule and edit every event; a mentor (MANAGE_OWN_MODULES)
schedules their own and sees only those. The start is entered on the company's clock; the
form's fields go to ``live_events.schedule``, whose refusal (a start in the past, no group,
a meeting link that is not http(s)) is a message on the form with nothing written. Writes
are audited as every admin write is.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import g
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Query, selectinload
from wtforms import DateTimeLocalField
from wtforms.validators import InputRequired

from lms.admin_views import CATEGORIES
from lms.admin_views.base import TenantModelView
from lms.admin_views.filters import time_filters
from lms.admin_views.forms import Checkboxes
from lms.extensions import db
from lms.models import Group, MentorLiveEvent, User
from lms.models.types import utcnow
from lms.services import live_events


def _group_choices() -> list[tuple[int, str]]:
    return [(group.id, group.name) for group in db.session.query(Group).order_by(Group.name)]


class LiveEventView(TenantModelView):
    """The company's live events, latest start first; a mentor's own only."""

    permission = staticmethod(live_events.may_schedule)
    simple_list_pager = True
    column_list = ("title", "starts_at", "duration_minutes", "host.name")
    column_details_list = ("title", "description", "starts_at", "duration_minutes", "meet_url", "host.name")
    column_labels: ClassVar = {
        "starts_at": _l("Starts"),
        "duration_minutes": _l("Duration (minutes)"),
        "meet_url": _l("Meeting link"),
        "host.name": _l("Host"),
    }
    column_searchable_list = ("title",)
    column_sortable_list = ("title", "starts_at")
    column_default_sort = ("starts_at", True)
    column_filters = time_filters(MentorLiveEvent.starts_at, _l("Starts"))
    column_auto_select_related = False

    form_columns = ("title", "description", "starts_local", "duration_minutes", "meet_url", "groups")
    form_extra_fields: ClassVar = {
        "starts_local": DateTimeLocalField(
            _l("Starts"),
            format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
            validators=[InputRequired(_l("Enter the date and time the event starts."))],
            description=_l("On the company's clock."),
        ),
        "groups": Checkboxes(_l("Invited groups"), coerce=int),
    }
    form_args: ClassVar = {
        "meet_url": {"label": _l("Meeting link"), "description": _l("A full https:// address of the video call.")},
        "duration_minutes": {"label": _l("Duration (minutes)")},
    }
    form_widget_args: ClassVar = {"description": {"rows": 4}}
    service_fields = ("title", "description", "starts_local", "duration_minutes", "meet_url", "groups")

    def get_query(self) -> Query[MentorLiveEvent]:
        return super().get_query().options(selectinload(MentorLiveEvent.host).load_only(User.name))

    def narrow(self, query: Any, *permissions: Any) -> Any:
        """A mentor reaches the events they host; a manager of all modules, every event."""
        if live_events.manages_all_events(g.permissions):
            return query
        return query.filter(MentorLiveEvent.host_id == current_user.id)

    def within_reach(self, model: Any, *permissions: Any) -> bool:
        return live_events.manages_all_events(g.permissions) or model.host_id == current_user.id

    def create_form(self, obj: Any = None) -> Any:
        form = super().create_form(obj)
        form.groups.choices = _group_choices()
        return form

    def edit_form(self, obj: Any = None) -> Any:
        form = super().edit_form(obj)
        form.groups.choices = _group_choices()
        return form

    def on_form_prefill(self, form: Any, id: Any) -> None:
        event = self.get_one(id)
        form.starts_local.data = live_events.local_start(event, g.tenant.timezone)
        form.groups.data = live_events.group_ids_of(event)

    def on_model_change(self, form: Any, model: MentorLiveEvent, is_created: bool) -> None:
        plan = live_events.EventPlan(
            title=form.title.data or "",
            description=form.description.data or "",
            starts_local=form.starts_local.data,
            duration_minutes=form.duration_minutes.data or 0,
            meet_url=form.meet_url.data or "",
            group_ids=frozenset(form.groups.data or ()),
        )
        live_events.schedule(model, plan, g.tenant, current_user.id, utcnow())
        super().on_model_change(form, model, is_created)


def views() -> list[TenantModelView]:
    return [
        LiveEventView(
            MentorLiveEvent, name=_l("Live events"), category=CATEGORIES["community"], endpoint="live_events"
        ),
    ]
