"""Company settings: the company's name, language and plan, its XP amounts and suggestion threshold,
and what its certificates carry (issue 14, items 5 and 8), with a preview of the certificate.

A custom page rather than a model view of Tenant: Tenant is not tenant-scoped, and this page
must only ever edit ``g.tenant``. Every value has a named, validated field; the JSON the values
live in (``Tenant.settings``) never reaches the screen, and where each value lives is
``services.tenants.NAMED_SETTINGS``, so this page and the services reading it agree.
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, g, redirect
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, FileField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.admin_views import CATEGORIES
from lms.admin_views.base import AccessMixin
from lms.admin_views.forms import LANGUAGES, enum_coerce, stripped
from lms.extensions import db
from lms.forms import LmsForm
from lms.i18n import label
from lms.models.enums import Permission, TenantPlan, TenantRole, TenantTheme
from lms.permissions import can_manage_settings
from lms.services import certificates, tenants
from lms.services.plans import PlanLimitReached
from lms.services.uploads import UploadRejected


def _manages_settings(role: TenantRole | None, permissions: frozenset[Permission]) -> bool:
    """OWNER and SUPER_ADMIN of the company (DESIGN.md: roles)."""
    return can_manage_settings(role)


def _choices(enum_cls: type[TenantTheme | TenantPlan]) -> Any:
    """Member names as values, labels in the request's language (read when the form is built)."""
    return lambda: [(member.name, label(member)) for member in enum_cls]


class SettingsForm(LmsForm):
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)], filters=[stripped])
    locale = SelectField(_l("Language"), choices=LANGUAGES)
    theme = SelectField(_l("Theme"), choices=_choices(TenantTheme), coerce=enum_coerce(TenantTheme))
    plan = SelectField(_l("Plan"), choices=_choices(TenantPlan), coerce=enum_coerce(TenantPlan))
    timezone = SelectField(_l("Time zone"), choices=tenants.timezones)
    logo = FileField(_l("Logo on certificates"), description=_l("PNG, JPEG, GIF or WebP, at most 5 MB."))
    remove_logo = BooleanField(_l("Remove the logo"))


for _setting in tenants.NUMBER_SETTINGS:
    setattr(
        SettingsForm,
        _setting.name,
        IntegerField(
            _setting.label,
            validators=[Optional(), NumberRange(min=_setting.minimum, max=_setting.maximum)],
            description=_l("Empty: the default, %(default)s.", default=_setting.default),
        ),
    )
for _setting in tenants.TEXT_SETTINGS:
    setattr(
        SettingsForm,
        _setting.name,
        StringField(_setting.label, validators=[Length(max=_setting.max_length)], filters=[stripped]),
    )


class TenantSettingsView(AccessMixin, BaseView):
    """The current company's settings and its certificate preview, for its owners."""

    permission = staticmethod(_manages_settings)

    @expose("/", methods=("GET", "POST"))
    def index_view(self) -> str | Response:
        """Named like a model view's list, so ``<endpoint>.index_view`` opens every admin screen."""
        tenant = g.tenant
        form = SettingsForm(obj=tenant, data=tenants.named_values(tenant))
        if form.validate_on_submit():
            try:
                tenants.save_settings(
                    tenant,
                    name=form.name.data,
                    locale=form.locale.data,
                    theme=form.theme.data,
                    plan=form.plan.data,
                    timezone=form.timezone.data,
                    named={setting.name: form[setting.name].data for setting in tenants.NAMED_SETTINGS},
                    logo=form.logo.data.stream if form.logo.data else None,
                    remove_logo=form.remove_logo.data,
                )
            except PlanLimitReached as error:
                db.session.rollback()
                form.plan.errors = [*form.plan.errors, str(error)]
            except UploadRejected as error:
                db.session.rollback()
                form.logo.errors = [*form.logo.errors, str(error)]
            else:
                db.session.commit()
                flash(_("Settings saved."), "success")
                return redirect(self.get_url(".index_view"))
        return self.render(
            "admin/settings/index.html",
            form=form,
            numbers=[form[setting.name] for setting in tenants.NUMBER_SETTINGS],
            texts=[form[setting.name] for setting in tenants.TEXT_SETTINGS],
            has_logo=tenants.certificate_look(tenant).logo_key is not None,
        )

    @expose("/certificate-preview")
    def preview(self) -> Response:
        """A sample certificate with the company's saved look, made out to the person asking."""
        pdf = certificates.preview_pdf(g.tenant, current_user.name or current_user.email)
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={"Content-Disposition": 'inline; filename="certificate-preview.pdf"'},
        )


def views() -> list[BaseView]:
    return [TenantSettingsView(name=_l("Settings"), category=CATEGORIES["people"], endpoint="settings")]
