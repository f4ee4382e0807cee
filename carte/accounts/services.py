"""Every write of the accounts app: logins, passwords, profile, tokens, employees, departments, roles.

Each use case is one function with keyword-only arguments and the acting employee passed
explicitly. It checks the actor's rights first, refuses with NotAllowed / NotFound / Conflict /
Invalid (changing nothing), writes atomically and leaves an entry in the audit log.
"""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY, password_validation
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carte.accounts.models import TIME_ZONES, ApiToken, Department, Employee, LoginFailure, ResetRequest, Right, Role
from carte.core import audit, events, policy
from carte.core.errors import Conflict, Invalid, NotAllowed, NotFound

Action, Scope, Verb = policy.Action, policy.Scope, audit.Verb
log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------
# Shared checks
# ---------------------------------------------------------------------------------------------


def _unknown_fields(values: dict, allowed: list[str]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise Invalid(_("These fields cannot be set here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})


def _validate(record) -> None:
    """The model's own checks (lengths, choices, uniqueness) as Invalid with per-field messages."""
    try:
        record.full_clean()
    except ValidationError as exc:
        raise Invalid(errors=exc.message_dict) from None


# ---------------------------------------------------------------------------------------------
# Login, logout and lockout
# ---------------------------------------------------------------------------------------------


def _lockout_window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def login_unlocks_at(username: str, address: str | None) -> datetime | None:
    """When a locked (username, address) pair may try again, or None when it is not locked.

    The pair is locked while it has LOGIN_FAILURE_LIMIT failures within the last
    LOGIN_LOCKOUT_MINUTES; it unlocks when the oldest of those leaves the window.
    """
    limit = settings.LOGIN_FAILURE_LIMIT
    times = list(
        LoginFailure.objects.filter(username=username, address=address, at__gt=timezone.now() - _lockout_window())
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if len(times) < limit:
        return None
    return times[-1] + _lockout_window()


def login_is_locked(username: str, address: str | None) -> bool:
    """Has this username, from this address, failed too often lately to be allowed another try?"""
    return login_unlocks_at(username, address) is not None


@transaction.atomic
def record_failed_login(*, username: str, address: str | None, locked: bool = False) -> None:
    """Count a failed login towards the lockout and audit it.

    An attempt refused because the pair is already locked is audited but not counted, so that
    an attacker who keeps trying cannot push the end of the lockout further away.
    """
    if not locked:
        LoginFailure.objects.filter(
            username=username, address=address, at__lte=timezone.now() - _lockout_window()
        ).delete()
        LoginFailure.objects.create(username=username, address=address)
    changes = {"locked": [None, True]} if locked else None
    audit.record(None, Verb.LOGIN_FAILED, label=username, address=address, changes=changes)


@transaction.atomic
def record_login(*, employee: Employee, address: str | None) -> None:
    """A successful login: forget the pair's failures and audit it."""
    LoginFailure.objects.filter(username=employee.get_username(), address=address).delete()
    audit.record(employee, Verb.LOGIN, employee, address=address)


def record_logout(*, employee: Employee, address: str | None) -> None:
    """Audit a logout (the session itself is ended by Django)."""
    audit.record(employee, Verb.LOGOUT, employee, address=address)


RESET_WINDOW = timedelta(hours=1)


def request_password_reset(*, email: str, address: str | None) -> bool:
    """Email a reset link, in the background, to the active accounts with this email address.

    Known and unknown addresses take the same path (the job finds the accounts), so neither the
    answer nor its time tells whether an account exists. Beyond RESET_LIMIT_PER_EMAIL requests
    for the email, or RESET_LIMIT_PER_IP from the client's address, within RESET_WINDOW, nothing
    is sent and a warning is logged; refused requests are not counted, like locked logins.
    Returns whether the link is on its way.
    """
    digest = salted_hmac("carte.accounts.reset", email.casefold(), algorithm="sha256").hexdigest()
    recent = ResetRequest.objects.filter(at__gt=timezone.now() - RESET_WINDOW)
    if recent.filter(email_digest=digest).count() >= settings.RESET_LIMIT_PER_EMAIL or (
        address is not None and recent.filter(address=address).count() >= settings.RESET_LIMIT_PER_IP
    ):
        log.warning("Password reset refused: too many requests for %s or from %s", _masked(email), address)
        return False
    ResetRequest.objects.filter(at__lte=timezone.now() - RESET_WINDOW).delete()
    ResetRequest.objects.create(email_digest=digest, address=address)
    from carte.accounts.tasks import send_password_reset  # the job module reads this one: imported late

    send_password_reset(email)
    return True


def _masked(email: str) -> str:
    """Enough of an address for the log to tell cases apart, not enough to read it: "a…@example.com"."""
    name, _at, domain = email.rpartition("@")
    return f"{name[:1]}…@{domain}" if name else "…"


# ---------------------------------------------------------------------------------------------
# Passwords and profile
# ---------------------------------------------------------------------------------------------


def _password_problems(password: str, employee: Employee) -> list[str]:
    try:
        password_validation.validate_password(password, employee)
    except ValidationError as exc:
        return list(exc.messages)
    return []


@transaction.atomic
def set_password(*, actor: Employee | None, employee: Employee, password: str, end_access: bool = False) -> None:
    """Give an employee a new password, after their own change or through a reset link.

    The caller has established the right to do so (the old password or the reset token).
    Django ends the employee's other sessions, whose stored hash no longer matches. With
    `end_access` (a reset: whoever had the account may still hold a way in) every session of
    the employee is deleted and every API token revoked as well.
    """
    problems = _password_problems(password, employee)
    if problems:
        raise Invalid(errors={"password": problems})
    employee.set_password(password)
    employee.save(update_fields=["password"])
    changes = {"password": ["…", "…"]}
    if end_access:
        changes |= _end_access(employee)
    audit.record(actor or employee, Verb.UPDATE, employee, changes=changes)


PROFILE_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "position",
    "phone_extension",
    "language",
    "time_zone",
    "notify_by_email",
]
# What an administrator edits; the active flag has its own use cases (deactivate / reactivate).
EDITABLE_FIELDS = ["username", *PROFILE_FIELDS, "department", "role"]
EMPLOYEE_FIELDS = [*EDITABLE_FIELDS, "is_active"]


def _validate_employee(employee: Employee, password: str | None = None) -> None:
    """The model's own checks (username, email, language, uniqueness), the time zone and a new
    password, all reported at once."""
    errors: dict[str, list] = {}
    try:
        employee.full_clean(exclude=["password"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if password is not None and (problems := _password_problems(password, employee)):
        errors["password"] = problems
    if employee.time_zone and employee.time_zone not in TIME_ZONES:
        errors.setdefault("time_zone", []).append(
            _("“%(zone)s” is not a known time zone.") % {"zone": employee.time_zone}
        )
    if errors:
        raise Invalid(errors=errors)


@transaction.atomic
def update_profile(*, actor: Employee, **values) -> Employee:
    """An employee edits their own name, email, position, extension, language, time zone and
    whether their notifications also come by email.

    Nothing else: role, department, username and the active flag are for administrators.
    """
    _unknown_fields(values, PROFILE_FIELDS)
    before = audit.snapshot(actor, PROFILE_FIELDS)
    for name, value in values.items():
        setattr(actor, name, value)
    _validate_employee(actor)
    actor.save(update_fields=list(values))
    changes = audit.diff(before, audit.snapshot(actor, PROFILE_FIELDS))
    if changes:
        audit.record(actor, Verb.UPDATE, actor, changes=changes)
    return actor


# ---------------------------------------------------------------------------------------------
# API tokens
# ---------------------------------------------------------------------------------------------

TOKEN_PREFIX_LENGTH = 8
# last_used_at is written at most this often, so that an API client does not cost a write per call.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_token(*, actor: Employee, name: str) -> tuple[ApiToken, str]:
    """Make a personal API token; returns the record and the token itself, which is never stored."""
    name = name.strip()
    if not name:
        raise Invalid(errors={"name": [_("Give the token a name.")]})
    plain = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        employee=actor, name=name, prefix=plain[:TOKEN_PREFIX_LENGTH], digest=_digest(plain)
    )
    audit.record(actor, Verb.CREATE, token)
    return token, plain


@transaction.atomic
def revoke_token(*, actor: Employee, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens (NotFound for anyone else's)."""
    token = ApiToken.objects.filter(pk=token_id, employee=actor).first()
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor, Verb.UPDATE, token, changes={"revoked_at": [None, str(token.revoked_at)]})
    return token


def employee_for_token(token: str) -> Employee | None:
    """The active employee behind an unrevoked token, or None; notes when the token was last used."""
    if not token:
        return None
    found = (
        ApiToken.objects.select_related("employee")
        .filter(digest=_digest(token), revoked_at__isnull=True, employee__is_active=True)
        .first()
    )
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at >= TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.employee


# ---------------------------------------------------------------------------------------------
# Employees
# ---------------------------------------------------------------------------------------------


def may_set_role(actor: Employee) -> bool:
    """Only those who manage rights may give an employee a role."""
    return policy.can_in_module(actor, "roles", Action.EDIT)


def may_set_department_and_activity(actor: Employee) -> bool:
    """Department and the active flag decide what people see: they need employees/edit over everyone."""
    return policy.can_in_module(actor, "employees", Action.EDIT)


def _require_restricted_fields(actor: Employee, employee: Employee, values: dict) -> None:
    """Refuse a change of role or department by someone without the right to it (before any write)."""
    changed = {name for name in ("role", "department") if name in values and values[name] != getattr(employee, name)}
    if "role" in changed and not may_set_role(actor):
        raise NotAllowed(_("Only those who manage rights may change an employee's role."))
    if "department" in changed and not may_set_department_and_activity(actor):
        raise NotAllowed(_("Only those who may edit every employee may change their department."))


def rights_managers():
    """Active employees who can still manage rights (roles / edit / all)."""
    return Employee.objects.filter(
        is_active=True,
        role__rights__module="roles",
        role__rights__action=Action.EDIT,
        role__rights__scope=Scope.ALL,
    )


def _ensure_someone_manages_rights() -> None:
    """Called inside the change's transaction, after its writes: raising undoes them."""
    if not rights_managers().exists():
        raise Conflict(_("This change would leave nobody able to manage rights."))


@transaction.atomic
def create_employee(*, actor: Employee, password: str, **values) -> Employee:
    """Add an employee who can log in with `password`.

    `values` are username, names, email, position, phone_extension, language, time_zone,
    department and role; department and role need the same rights as changing them.
    """
    if not policy.can(actor, Action.CREATE, Employee):
        raise NotAllowed()
    _unknown_fields(values, EDITABLE_FIELDS)
    employee = Employee()
    _require_restricted_fields(actor, employee, values)
    for name, value in values.items():
        setattr(employee, name, value)
    _validate_employee(employee, password)
    employee.set_password(password)
    employee.save()
    audit.record(actor, Verb.CREATE, employee, changes=audit.diff({}, audit.snapshot(employee, EMPLOYEE_FIELDS)))
    events.emit("employee.created", actor=actor, employee_id=employee.pk)
    return employee


@transaction.atomic
def update_employee(*, actor: Employee, employee: Employee, **values) -> Employee:
    """Change an employee's details (EDITABLE_FIELDS); role and department need their own rights.

    A change of role is refused with Conflict when nobody active could manage rights afterwards.
    """
    policy.require(actor, Action.EDIT, employee)
    _unknown_fields(values, EDITABLE_FIELDS)
    _require_restricted_fields(actor, employee, values)
    before = audit.snapshot(employee, EMPLOYEE_FIELDS)
    for name, value in values.items():
        setattr(employee, name, value)
    _validate_employee(employee)
    employee.save()
    changes = audit.diff(before, audit.snapshot(employee, EMPLOYEE_FIELDS))
    if changes:
        audit.record(actor, Verb.UPDATE, employee, changes=changes)
    if "role" in changes:
        _ensure_someone_manages_rights()
    return employee


def _end_sessions(employee: Employee) -> int:
    """Delete the employee's database sessions; returns how many.

    Sessions do not record their user in a column, so each live session is decoded. With
    5 to 50 employees there are at most a few hundred live sessions, and deactivation is
    rare, so a scan is cheaper than keeping a session-to-user table in step.
    """
    mine = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now())
        if session.get_decoded().get(SESSION_KEY) == str(employee.pk)
    ]
    Session.objects.filter(pk__in=mine).delete()
    return len(mine)


def _end_access(employee: Employee) -> dict:
    """End every session of the employee and revoke their API tokens; the counts, for the audit log."""
    sessions = _end_sessions(employee)
    tokens = ApiToken.objects.filter(employee=employee, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return {"sessions_ended": [None, sessions], "tokens_revoked": [None, tokens]}


@transaction.atomic
def reset_employee_password(*, actor: Employee, employee: Employee, password: str) -> Employee:
    """An administrator gives an employee a new password (a demo employee, one who lost their
    mailbox); the employee's sessions end and their API tokens are revoked. One's own password
    is changed with the old one instead.
    """
    policy.require(actor, Action.EDIT, employee)
    if not may_set_department_and_activity(actor):
        raise NotAllowed()
    if employee.pk == actor.pk:
        raise Conflict(_("Change your own password from My profile, with your current one."))
    set_password(actor=actor, employee=employee, password=password, end_access=True)
    return employee


@transaction.atomic
def deactivate_employee(*, actor: Employee, employee: Employee) -> Employee:
    """Stop an employee from logging in: end their sessions and revoke their tokens.

    Everything they own stays as it is. Nobody deactivates themselves, and the last
    employee able to manage rights cannot be deactivated.
    """
    policy.require(actor, Action.EDIT, employee)
    if not may_set_department_and_activity(actor):
        raise NotAllowed()
    if employee.pk == actor.pk:
        raise Conflict(_("You cannot deactivate yourself."))
    if not employee.is_active:
        return employee
    employee.is_active = False
    employee.save(update_fields=["is_active"])
    _ensure_someone_manages_rights()
    sessions = _end_sessions(employee)
    tokens = ApiToken.objects.filter(employee=employee, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(
        actor,
        Verb.UPDATE,
        employee,
        changes={"is_active": [True, False], "sessions_ended": [None, sessions], "tokens_revoked": [None, tokens]},
    )
    return employee


@transaction.atomic
def reactivate_employee(*, actor: Employee, employee: Employee) -> Employee:
    """Let a deactivated employee log in again (their old tokens stay revoked)."""
    policy.require(actor, Action.EDIT, employee)
    if not may_set_department_and_activity(actor):
        raise NotAllowed()
    if employee.is_active:
        return employee
    employee.is_active = True
    employee.save(update_fields=["is_active"])
    audit.record(actor, Verb.UPDATE, employee, changes={"is_active": [False, True]})
    return employee


# ---------------------------------------------------------------------------------------------
# Invitations
# ---------------------------------------------------------------------------------------------


def _invitation_address(email) -> str:
    """The invited employee's email address, which is also their username; Invalid naming "email"."""
    address = "".join(str(email or "").split())
    if not address:
        raise Invalid(errors={"email": [_("Enter the email address the invitation goes to.")]})
    try:
        validate_email(address)
    except ValidationError:
        raise Invalid(
            errors={"email": [_("“%(address)s” is not an email address.") % {"address": address[:100]}]}
        ) from None
    taken = Employee.objects.filter(email__iexact=address).exists()
    if taken or Employee.objects.filter(username__iexact=address).exists():
        raise Invalid(
            errors={"email": [_("An employee with the address %(address)s already exists.") % {"address": address}]}
        )
    return address


@transaction.atomic
def invite_employee(
    *,
    actor: Employee,
    email,
    first_name,
    last_name="",
    role: Role | None = None,
    department: Department | None = None,
    language: str = "",
    time_zone: str = "",
) -> Employee:
    """Add an employee who chooses their own password: an email brings them a link to set it.

    Until then the employee has an unusable password. They log in with their email address (it
    is their username). `language` and `time_zone` are the company's defaults the first-run
    wizard passes (empty: the installation's). The email leaves by a background job once the
    transaction commits, so a refused or undone invitation sends nothing; the link is built from
    BASE_URL, never from the request. Role and department need the same rights as changing them.
    """
    if not policy.can(actor, Action.CREATE, Employee):
        raise NotAllowed()
    errors: dict[str, list] = {}
    address = ""
    try:
        address = _invitation_address(email)
    except Invalid as refused:
        errors |= refused.errors
    first_name, last_name = " ".join(str(first_name or "").split()), " ".join(str(last_name or "").split())
    if not first_name:
        errors["first_name"] = [_("Enter the first name.")]
    if errors:
        raise Invalid(errors=errors)
    restricted = {name: value for name, value in {"role": role, "department": department}.items() if value is not None}
    _require_restricted_fields(actor, Employee(), restricted)
    employee = Employee(
        username=address.lower(),
        email=address,
        first_name=first_name,
        last_name=last_name,
        role=role,
        department=department,
        language=language or "",
        time_zone=time_zone or "",
    )
    employee.set_unusable_password()
    _validate_employee(employee)
    employee.save()
    changes = audit.diff({}, audit.snapshot(employee, EMPLOYEE_FIELDS)) | {"invited": [None, address]}
    audit.record(actor, Verb.CREATE, employee, changes=changes)
    events.emit("employee.created", actor=actor, employee_id=employee.pk)
    from carte.accounts.tasks import send_invitation  # the job module reads this one: imported late

    transaction.on_commit(lambda: send_invitation(employee.pk))
    return employee


def invitation_email(employee: Employee) -> tuple[str, str]:
    """The subject and text of an invitation, in the employee's language, with a link to set a password.

    The link is Django's password reset link (the same token generator as "Forgot your
    password?"), built from BASE_URL: it works once, and until PASSWORD_RESET_TIMEOUT.
    """
    uid = urlsafe_base64_encode(force_bytes(employee.pk))
    token = default_token_generator.make_token(employee)
    link = settings.BASE_URL + reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    with translation.override(employee.language or settings.LANGUAGE_CODE):
        lines = [
            _("Hello %(name)s,") % {"name": employee.get_short_name() or employee.get_username()},
            "",
            _("An account in Carte, the company's CRM, was opened for you. To choose your password, open this link:"),
            "",
            link,
            "",
            _("Your username is %(username)s.") % {"username": employee.get_username()},
            ngettext(
                "The link works for %(days)d day. After that, use “Forgot your password?” on the login page.",
                "The link works for %(days)d days. After that, use “Forgot your password?” on the login page.",
                days,
            )
            % {"days": days},
        ]
        return _("Your Carte account"), "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Departments
# ---------------------------------------------------------------------------------------------

DEPARTMENT_FIELDS = ["name", "head"]


@transaction.atomic
def create_department(*, actor: Employee, name: str, head: Employee | None = None) -> Department:
    """Add a department (needs departments/create over everything)."""
    policy.require_in_module(actor, "departments", Action.CREATE)
    department = Department(name=name.strip(), head=head)
    _validate(department)
    department.save()
    audit.record(actor, Verb.CREATE, department, changes=audit.diff({}, audit.snapshot(department, DEPARTMENT_FIELDS)))
    return department


@transaction.atomic
def update_department(*, actor: Employee, department: Department, **values) -> Department:
    """Rename a department or change its head."""
    policy.require(actor, Action.EDIT, department)
    _unknown_fields(values, DEPARTMENT_FIELDS)
    before = audit.snapshot(department, DEPARTMENT_FIELDS)
    for name, value in values.items():
        setattr(department, name, (value or "").strip() if name == "name" else value)  # null: no name
    _validate(department)
    department.save()
    changes = audit.diff(before, audit.snapshot(department, DEPARTMENT_FIELDS))
    if changes:
        audit.record(actor, Verb.UPDATE, department, changes=changes)
    return department


@transaction.atomic
def delete_department(*, actor: Employee, department: Department) -> None:
    """Delete a department that has no members, active or not (their records' visibility hangs on it)."""
    policy.require(actor, Action.DELETE, department)
    members = Employee.objects.filter(department=department).count()
    if members:
        raise Conflict(
            ngettext(
                "“%(name)s” still has %(count)d member; move them to another department first.",
                "“%(name)s” still has %(count)d members; move them to another department first.",
                members,
            )
            % {"name": department.name, "count": members}
        )
    audit.record(actor, Verb.DELETE, department)
    department.delete()


# ---------------------------------------------------------------------------------------------
# Roles and rights
# ---------------------------------------------------------------------------------------------

ROLE_FIELDS = ["name", "description"]
RightKey = tuple[str, str]


def rights_of(role: Role) -> dict[RightKey, str]:
    """(module, action) → scope for every module and action; a missing row is "none"."""
    granted = {(r.module, r.action): r.scope for r in Right.objects.filter(role=role)}
    return {
        (module, action): granted.get((module, action), Scope.NONE)
        for module in policy.modules()
        for action in Action.values
    }


def _check_rights(rights: dict[RightKey, str]) -> None:
    modules = policy.modules()
    wrong = [
        f"{module}.{action}={scope}"
        for (module, action), scope in rights.items()
        if module not in modules or action not in Action.values or scope not in Scope.values
    ]
    if wrong:
        raise Invalid(
            errors={"rights": [_("Unknown module, action or scope: %(items)s.") % {"items": ", ".join(wrong)}]}
        )


def _write_rights(actor: Employee, role: Role, rights: dict[RightKey, str]) -> None:
    """Store the changed grants (scope "none" is no row) and audit them as old → new."""
    current = {(r.module, r.action): r for r in Right.objects.filter(role=role)}
    changes = {}
    for (module, action), scope in rights.items():
        existing = current.get((module, action))
        old = existing.scope if existing else Scope.NONE
        if old == scope:
            continue
        changes[f"{module}.{action}"] = [str(old), str(scope)]
        if existing and scope == Scope.NONE:
            existing.delete()
        elif existing:
            existing.scope = scope
            existing.save(update_fields=["scope"])
        else:
            Right.objects.create(role=role, module=module, action=action, scope=scope)
    if changes:
        audit.record(actor, Verb.RIGHTS, role, changes=changes)


@transaction.atomic
def create_role(
    *, actor: Employee, name: str, description: str = "", rights: dict[RightKey, str] | None = None
) -> Role:
    """Add a role with the given rights ((module, action) → scope; the rest is "none")."""
    policy.require_in_module(actor, "roles", Action.CREATE)
    _check_rights(rights or {})
    role = Role(name=name.strip(), description=description.strip())
    _validate(role)
    role.save()
    audit.record(actor, Verb.CREATE, role, changes=audit.diff({}, audit.snapshot(role, ROLE_FIELDS)))
    _write_rights(actor, role, rights or {})
    return role


@transaction.atomic
def update_role(
    *,
    actor: Employee,
    role: Role,
    name: str | None = None,
    description: str | None = None,
    rights: dict[RightKey, str] | None = None,
) -> Role:
    """Rename or describe a role and change some of its rights (those not given stay as they are).

    Refused with Conflict when nobody active could manage rights afterwards.
    """
    policy.require(actor, Action.EDIT, role)
    _check_rights(rights or {})
    before = audit.snapshot(role, ROLE_FIELDS)
    if name is not None:
        role.name = name.strip()
    if description is not None:
        role.description = description.strip()
    _validate(role)
    role.save()
    changes = audit.diff(before, audit.snapshot(role, ROLE_FIELDS))
    if changes:
        audit.record(actor, Verb.UPDATE, role, changes=changes)
    if rights:
        _write_rights(actor, role, rights)
        _ensure_someone_manages_rights()
    return role


@transaction.atomic
def delete_role(*, actor: Employee, role: Role) -> None:
    """Delete a role nobody holds; built-in roles stay."""
    policy.require(actor, Action.DELETE, role)
    if role.is_builtin:
        raise Conflict(
            _("“%(name)s” is a built-in role; rename it or change its rights instead.") % {"name": role.name}
        )
    holders = Employee.objects.filter(role=role).count()
    if holders:
        raise Conflict(
            ngettext(
                "“%(name)s” is held by %(count)d employee; give them another role first.",
                "“%(name)s” is held by %(count)d employees; give them another role first.",
                holders,
            )
            % {"name": role.name, "count": holders}
        )
    audit.record(actor, Verb.DELETE, role)
    role.delete()
