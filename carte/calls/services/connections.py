"""Telephony connections: the phone systems Carte hears calls from and places calls through (admins).

A connection's secret signs what both sides send (carte.calls.signing). Carte makes it
(secrets.token_urlsafe) and shows it to the administrator to copy into the phone system;
"rotate" makes a new one, after which requests signed with the old one are refused.
Secrets and AMI passwords never go into the audit log: it only says that they changed.
"""

import secrets
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from carte.calls.models import Connection
from carte.core import outbound, policy
from carte.core.audit import Verb, diff, record, snapshot
from carte.core.errors import Invalid, NotFound

SECRET_BYTES = 32
HIDDEN = "********"
AUDITED = ["name", "kind", "key", "originate_url", "ami_host", "ami_port", "ami_username", "ami_context", "active"]
EDITABLE = {
    "name",
    "kind",
    "key",
    "originate_url",
    "ami_host",
    "ami_port",
    "ami_username",
    "ami_password",
    "ami_context",
}
EDITABLE |= {"active"}


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def _limit(field: str) -> int:
    return getattr(Connection._meta.get_field(field), "max_length", None) or 100


def _clean(values: dict, current: Connection | None) -> dict:
    """The values read and checked, every field's error at once (Invalid)."""
    errors: dict[str, list] = {}
    cleaned: dict = {}
    for field in ("name", "originate_url", "ami_host", "ami_username", "ami_password", "ami_context", "key"):
        if field not in values:
            continue
        text = str(values[field] or "").strip()
        if len(text) > _limit(field):
            errors[field] = [_("At most %(count)d characters.") % {"count": _limit(field)}]
        cleaned[field] = text
    if "name" in cleaned and not cleaned["name"]:
        errors["name"] = [_("Give the connection a name.")]
    if "kind" in values:
        if values["kind"] not in Connection.Kind.values:
            errors["kind"] = [_("Choose webhook or Asterisk (AMI).")]
        cleaned["kind"] = values["kind"]
    if cleaned.get("originate_url"):
        try:
            URLValidator(schemes=["http", "https"])(cleaned["originate_url"])
        except ValidationError:
            errors["originate_url"] = [_("Enter an address starting with http:// or https://.")]
        else:
            if outbound.is_metadata_host(urlsplit(cleaned["originate_url"]).hostname or ""):
                errors["originate_url"] = [_("This is a cloud metadata address, which Carte never contacts.")]
    if cleaned.get("ami_host") and outbound.is_metadata_host(cleaned["ami_host"]):
        errors["ami_host"] = [_("This is a cloud metadata address, which Carte never contacts.")]
    if "ami_port" in values:
        try:
            port = int(values["ami_port"] or 5038)
        except (TypeError, ValueError):
            port = 0
        if not 1 <= port <= 65535:
            errors["ami_port"] = [_("Enter a port between 1 and 65535.")]
        cleaned["ami_port"] = port
    if "active" in values:
        cleaned["active"] = bool(values["active"])
    if "key" in cleaned:
        key = cleaned["key"]
        try:
            validate_slug(key)
        except ValidationError:
            errors["key"] = [_("Use letters, digits, hyphens and underscores only.")]
        else:
            others = Connection.objects.filter(key=key)
            if current is not None:
                others = others.exclude(pk=current.pk)
            if others.exists():
                errors["key"] = [_("Another connection uses this key.")]
    kind = cleaned.get("kind", current.kind if current else Connection.Kind.WEBHOOK)
    host = cleaned.get("ami_host", current.ami_host if current else "")
    if kind == Connection.Kind.AMI and not host and "ami_host" not in errors:
        errors["ami_host"] = [_("An Asterisk connection needs the AMI host.")]
    if errors:
        raise Invalid(errors=errors)
    return cleaned


def _free_key(name: str) -> str:
    base = slugify(name)[:40] or "phone"
    key = base
    while Connection.objects.filter(key=key).exists():
        key = f"{base}-{secrets.token_hex(3)}"
    return key


def _audited(connection: Connection) -> dict:
    return snapshot(connection, AUDITED)


@transaction.atomic
def create_connection(*, actor, name: str, kind: str = Connection.Kind.WEBHOOK, **values) -> Connection:
    """Add a phone system (needs "create" in telephony); its key comes from the name unless given,
    and its secret is made here: read it from `connection.secret` to show it once."""
    policy.require(actor, policy.Action.CREATE, Connection)
    unknown = set(values) - EDITABLE
    if unknown:
        raise Invalid(errors={field: [_("This field cannot be set.")] for field in sorted(unknown)})
    if not str(values.get("key") or "").strip():
        values["key"] = _free_key(str(name or ""))
    cleaned = _clean({"name": name, "kind": kind, **values}, None)
    connection = Connection(secret=new_secret(), **cleaned)
    connection.save()
    record(actor, Verb.CREATE, connection, changes=diff({}, _audited(connection)) | {"secret": [None, HIDDEN]})
    return connection


def _locked(connection: Connection) -> Connection:
    try:
        return Connection.objects.select_for_update().get(pk=connection.pk)
    except Connection.DoesNotExist:
        raise NotFound() from None


@transaction.atomic
def update_connection(*, actor, connection: Connection, **changes) -> Connection:
    """Change a connection's settings (needs "edit" in telephony); an empty AMI password keeps the old one."""
    policy.require(actor, policy.Action.EDIT, connection)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise Invalid(errors={field: [_("This field cannot be changed.")] for field in sorted(unknown)})
    if "ami_password" in changes and not changes["ami_password"]:
        del changes["ami_password"]  # a password field is shown empty: empty means "keep it"
    current = _locked(connection)
    cleaned = _clean(changes, current)
    before = _audited(current)
    for field, value in cleaned.items():
        setattr(current, field, value)
    current.save()
    changed = diff(before, _audited(current))
    if "ami_password" in cleaned:
        changed["ami_password"] = [HIDDEN, HIDDEN]
    if changed:
        record(actor, Verb.UPDATE, current, changes=changed)
    return current


@transaction.atomic
def rotate_secret(*, actor, connection: Connection) -> Connection:
    """Give a connection a new secret (the old one stops working at once); returns it with the new secret."""
    policy.require(actor, policy.Action.EDIT, connection)
    current = _locked(connection)
    current.secret = new_secret()
    current.save(update_fields=["secret"])
    record(actor, Verb.UPDATE, current, changes={"secret": [HIDDEN, HIDDEN]})
    return current


@transaction.atomic
def deactivate_connection(*, actor, connection: Connection) -> Connection:
    """Stop hearing from a phone system and placing calls through it; its calls and journal stay."""
    policy.require(actor, policy.Action.EDIT, connection)
    current = _locked(connection)
    if current.active:
        current.active = False
        current.save(update_fields=["active"])
        record(actor, Verb.UPDATE, current, changes={"active": [True, False]})
    return current
