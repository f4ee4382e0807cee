"""Employees, departments, roles with their rights, API tokens, failed logins and password reset requests."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from carte.core.policy import Action, Scope

TIME_ZONES = sorted(zoneinfo.available_timezones())


class Department(models.Model):
    """A group of employees; the "department" scope of a right reaches its members' records."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    head = models.ForeignKey(
        "Employee",
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name


class Role(models.Model):
    """A named set of rights. Built-in roles carry a `key` so upgrades can find them."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    key = models.SlugField(max_length=50, unique=True, null=True, blank=True, editable=False)
    description = models.CharField(_("description"), max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self):
        return self.name

    @property
    def is_builtin(self) -> bool:
        return bool(self.key)


class Right(models.Model):
    """One grant of a role: in `module`, the `action` is allowed on records within `scope`.

    A missing row means scope "none".
    """

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="rights")
    module = models.CharField(_("module"), max_length=50)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices, default=Scope.NONE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["role", "module", "action"], name="right_unique_per_role")]
        verbose_name = _("right")
        verbose_name_plural = _("rights")

    def __str__(self):
        return f"{self.role}: {self.module}.{self.action} = {self.scope}"


class Employee(AbstractUser):
    """A person who logs in to Carte. Deactivated employees keep their records but cannot log in."""

    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    role = models.ForeignKey(
        Role, verbose_name=_("role"), null=True, blank=True, on_delete=models.PROTECT, related_name="employees"
    )
    position = models.CharField(_("position"), max_length=150, blank=True)
    phone_extension = models.CharField(_("phone extension"), max_length=20, blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    # Validated against TIME_ZONES by the forms; not choices, so migrations stay small.
    time_zone = models.CharField(_("time zone"), max_length=60, blank=True)
    notify_by_email = models.BooleanField(_("also send my notifications by email"), default=False)

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        indexes = [models.Index(fields=["department", "is_active"], name="employee_department")]

    def __str__(self):
        return self.get_full_name() or self.username

    @cached_property
    def rights(self) -> dict[tuple[str, str], str]:
        """(module, action) → scope, read once per request."""
        if self.role_id is None:
            return {}
        rows = Right.objects.filter(role_id=self.role_id).values_list("module", "action", "scope")
        return {(module, action): granted for module, action, granted in rows}

    def scope_for(self, module: str, action: str) -> str:
        """Answer the access policy in carte.core.policy."""
        return self.rights.get((module, action), Scope.NONE)


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest is stored; the token is shown once."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class LoginFailure(models.Model):
    """A failed login, kept for the lockout window (see accounts.services.login_is_locked)."""

    username = models.CharField(max_length=150)
    address = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["username", "address", "at"], name="login_failure_lookup")]
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")

    def __str__(self):
        return f"{self.username} from {self.address} at {self.at:%Y-%m-%d %H:%M}"


class ResetRequest(models.Model):
    """A password reset link asked for, kept an hour for the limits (see accounts.services.request_password_reset).

    The email is kept as a keyed digest: the limit must recognise an address, not read it, and
    most addresses typed by strangers belong to no one here.
    """

    email_digest = models.CharField(max_length=64)
    address = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["email_digest", "at"], name="reset_request_by_email"),
            models.Index(fields=["address", "at"], name="reset_request_by_address"),
        ]
        verbose_name = _("password reset request")
        verbose_name_plural = _("password reset requests")

    def __str__(self):
        return f"{self.email_digest[:8]} from {self.address} at {self.at:%Y-%m-%d %H:%M}"
