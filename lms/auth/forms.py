"""Forms of the sign-in pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from lms.bad_input import RowIdField
from lms.forms import LmsForm
from lms.services.accounts import MAX_PASSWORD, MIN_PASSWORD

EMAIL_SHAPE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _strip(value: str | None) -> str | None:
    """A pasted address often brings a space along; it is not part of the address."""
    return value.strip() if value else value


def email_address() -> Regexp:
    """One @, a dot in the domain, no spaces: enough to catch typos; the mail itself proves the rest."""
    return Regexp(EMAIL_SHAPE, message=_l("Enter an email address such as name@company.com."))


class LoginForm(LmsForm):
    email = EmailField(_l("Email"), filters=[_strip], validators=[DataRequired(), email_address(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)])
    remember = BooleanField(_l("Keep me signed in"))
    next = HiddenField()


class SwitchTenantForm(LmsForm):
    tenant_id = RowIdField(validators=[DataRequired()])
    next = HiddenField()


class ForgotPasswordForm(LmsForm):
    email = EmailField(_l("Email"), filters=[_strip], validators=[DataRequired(), email_address(), Length(max=254)])


class NewPasswordForm(LmsForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=MAX_PASSWORD)]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", _l("The passwords differ."))],
    )


class JoinNewAccountForm(NewPasswordForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])


class JoinExistingAccountForm(LmsForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)])
