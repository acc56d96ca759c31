"""The admin screens (Flask-Admin), one module per menu category.

``init_admin`` builds one Admin per app. Every view is a ``base.TenantModelView``, a
``base.PlatformModelView`` or an ``AccessMixin`` view; the sweep in ``tests/sweep``
walks all of them, so a new view is covered by registering it here.
"""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from lms.admin_views.base import AdminHome
from lms.i18n import ADMIN_TRANSLATIONS

CATEGORIES = {
    "people": _l("People"),
    "content": _l("Content"),
    "media": _l("Media"),
    "assessment": _l("Assessment"),
    "community": _l("Community"),
    "gamification": _l("Gamification"),
    "reports": _l("Reports"),
    "operations": _l("Operations"),
    "platform": _l("Platform"),
}


def init_admin(app: Flask) -> Admin:
    from lms.admin_views import (
        ai_builder,
        assessment_certificates,
        assessment_quizzes,
        community_chat,
        community_events,
        community_radar,
        community_suggestions,
        content,
        content_organisation,
        gamification_rewards,
        gamification_xp,
        media,
        operations,
        people,
        platform,
        reports_analytics,
        reports_compliance,
        reports_manager,
        reports_progress,
        tenant_settings,
    )

    admin = Admin(
        app,
        name="Mojster",
        url="/admin",
        index_view=AdminHome(name=_l("Home"), url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/lms_master.html", fluid=True),
        translations_path=str(ADMIN_TRANSLATIONS),
    )
    for module in (
        people,
        tenant_settings,
        content,
        content_organisation,
        ai_builder,
        media,
        assessment_quizzes,
        assessment_certificates,
        community_suggestions,
        community_chat,
        community_radar,
        community_events,
        gamification_rewards,
        gamification_xp,
        reports_progress,
        reports_compliance,
        reports_manager,
        reports_analytics,
        operations,
        platform,
    ):
        for view in module.views():
            admin.add_view(view)
    return admin
