"""Parsing the accounts screens' input. Rules live in services; these forms only read and check types.

Employee forms are plain forms built from the model's fields rather than ModelForms: a
ModelForm writes its input into the instance while validating, before the service has
checked the actor's rights and taken its "before" picture for the audit log.
"""

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from carte.accounts import queries, services
from carte.accounts.models import TIME_ZONES, Employee
from carte.core import policy
from carte.core.models import AuditEntry


def client_address(request) -> str | None:
    """The address a request came from, for the lockout and the audit log.

    With CARTE_BEHIND_PROXY=1, `carte serve` puts the address the proxy forwards (X-Forwarded-For
    from a proxy on this machine) into REMOTE_ADDR; otherwise it is the connecting address.
    """
    return request.META.get("REMOTE_ADDR") or None


def _field(name: str, **kwargs) -> forms.Field:
    return Employee._meta.get_field(name).formfield(**kwargs)


def _time_zone_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("time zone"),
        required=False,
        choices=[("", _("Company default"))] + [(zone, zone) for zone in TIME_ZONES],
    )


# ---------------------------------------------------------------------------------------------
# Login and passwords
# ---------------------------------------------------------------------------------------------


class LoginForm(auth_forms.AuthenticationForm):
    """Django's login form with the lockout: too many failures lock the username from this address."""

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        address = client_address(self.request)
        unlocks_at = services.login_unlocks_at(username, address) if username else None
        if unlocks_at is not None:
            services.record_failed_login(username=username, address=address, locked=True)
            raise ValidationError(
                _("Too many failed logins: wait until %(time)s before trying again."),
                code="locked",
                params={"time": formats.time_format(timezone.localtime(unlocks_at), "TIME_FORMAT")},
            )
        try:
            return super().clean()
        except ValidationError:
            if username and self.cleaned_data.get("password"):
                services.record_failed_login(username=username, address=address)
            raise


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, writing each email in its recipient's language.

    Every Carte account signs in with a password of its own: an invited employee whose
    invitation expired (no usable password yet) gets a reset link too, as the invitation says.
    """

    def get_users(self, email):
        return (
            user
            for user in get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
            if user.email.casefold() == email.casefold()
        )

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        language = context["user"].language or translation.get_language()
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)

    def send_links(self) -> None:
        """Mail the link to each account of the address, built from BASE_URL: the Host header of
        the request that asked for it could be forged."""
        base = urlsplit(settings.BASE_URL)
        self.save(
            domain_override=base.netloc,
            use_https=base.scheme == "https",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
        )


# ---------------------------------------------------------------------------------------------
# Profile and tokens
# ---------------------------------------------------------------------------------------------


class ProfileForm(forms.Form):
    first_name = _field("first_name")
    last_name = _field("last_name")
    email = _field("email")
    position = _field("position")
    phone_extension = _field("phone_extension")
    language = _field("language")
    time_zone = _time_zone_field()
    notify_by_email = _field("notify_by_email")


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("name"), max_length=100, help_text=_("What the token is for, e.g. “Accounting sync”.")
    )


# ---------------------------------------------------------------------------------------------
# Employees
# ---------------------------------------------------------------------------------------------


class EmployeeForm(ProfileForm):
    """An employee's details as an administrator edits them.

    Role and department are offered only to those allowed to set them (see services).
    """

    username = _field("username")
    department = forms.ModelChoiceField(label=_("department"), queryset=queries.department_choices(), required=False)
    role = forms.ModelChoiceField(label=_("role"), queryset=queries.role_choices(), required=False)

    field_order = ["username", "first_name", "last_name", "email", "position", "phone_extension", "department", "role"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["notify_by_email"]  # each employee's own choice, in My profile
        if not services.may_set_department_and_activity(actor):
            del self.fields["department"]
        if not services.may_set_role(actor):
            del self.fields["role"]

    @staticmethod
    def initial_for(employee: Employee) -> dict:
        return {name: getattr(employee, name) for name in services.EMPLOYEE_FIELDS}


class PasswordTwice:
    """A form mixin: `password` and `password_again` must be the same."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned


class EmployeeCreateForm(PasswordTwice, EmployeeForm):
    password = forms.CharField(label=_("initial password"), strip=False, widget=forms.PasswordInput(render_value=False))
    password_again = forms.CharField(label=_("initial password again"), strip=False, widget=forms.PasswordInput)


class EmployeePasswordForm(PasswordTwice, forms.Form):
    password = forms.CharField(
        label=_("new password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label=_("new password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


ACTIVE_CHOICES = [("", _("Active and inactive")), ("active", _("Active")), ("inactive", _("Inactive"))]


class EmployeeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    department = forms.ModelChoiceField(label=_("department"), queryset=queries.department_choices(), required=False)
    role = forms.ModelChoiceField(label=_("role"), queryset=queries.role_choices(), required=False)
    active = forms.ChoiceField(label=_("status"), choices=ACTIVE_CHOICES, required=False)
    ordering = forms.CharField(required=False, widget=forms.HiddenInput)

    def filters(self) -> dict:
        """Keyword arguments for queries.employee_list (invalid filters are ignored)."""
        data = self.cleaned_data if self.is_valid() else {}
        active = data.get("active")
        return {
            "text": data.get("q", ""),
            "department": data["department"].pk if data.get("department") else None,
            "role": data["role"].pk if data.get("role") else None,
            "active": {"active": True, "inactive": False}.get(active or ""),
            "ordering": data.get("ordering") or None,
        }


# ---------------------------------------------------------------------------------------------
# Departments and roles
# ---------------------------------------------------------------------------------------------


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=150)
    head = forms.ModelChoiceField(
        label=_("head"),
        queryset=Employee.objects.filter(is_active=True).order_by("last_name", "first_name"),
        required=False,
    )


class RoleForm(forms.Form):
    """A role's name and description, and a scope for every module × action."""

    name = forms.CharField(label=_("name"), max_length=100)
    description = forms.CharField(label=_("description"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.modules = policy.modules()
        for module in self.modules:
            for action in policy.Action.values:
                self.fields[self.right_field(module, action)] = forms.ChoiceField(
                    label=f"{self.modules[module]}: {policy.Action(action).label}",
                    choices=policy.Scope.choices,
                    initial=policy.Scope.NONE,
                )

    @staticmethod
    def right_field(module: str, action: str) -> str:
        return f"right__{module}__{action}"

    @classmethod
    def initial_for(cls, role) -> dict:
        initial = {"name": role.name, "description": role.description}
        for (module, action), scope in services.rights_of(role).items():
            initial[cls.right_field(module, action)] = scope
        return initial

    def rights(self) -> dict[tuple[str, str], str]:
        return {
            (module, action): self.cleaned_data[self.right_field(module, action)]
            for module in self.modules
            for action in policy.Action.values
        }

    def grid(self) -> list[tuple[str, list]]:
        """Rows for the template: (module label, [bound field per action])."""
        return [
            (label, [self[self.right_field(module, action)] for action in policy.Action.values])
            for module, label in self.modules.items()
        ]


# ---------------------------------------------------------------------------------------------
# Audit log
# ---------------------------------------------------------------------------------------------


class AuditFilterForm(forms.Form):
    verb = forms.ChoiceField(label=_("what"), choices=[("", _("Everything"))] + AuditEntry.Verb.choices, required=False)
    employee = forms.ModelChoiceField(
        label=_("who"), queryset=Employee.objects.order_by("last_name", "first_name"), required=False
    )
    model = forms.ChoiceField(label=_("kind of record"), required=False)
    since = forms.DateField(label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [("", _("Any"))] + queries.record_kinds()

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "verb": data.get("verb") or None,
            "employee": data["employee"].pk if data.get("employee") else None,
            "model": data.get("model") or None,
            "since": data.get("since"),
            "until": data.get("until"),
        }
