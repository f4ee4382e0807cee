"""Our legal entities: the companies that sell, named on quotes, invoices, contracts and acts.

Admins enter one or more; exactly one is the default (documents use it unless another is
chosen). An entity that documents name is archived, never deleted: the documents keep it.
Logos, signatures and stamps are checked by content and stored under generated names; the
uploaded name never reaches the disk. Changes need the rights of the "sales_settings" module
and are audited.
"""

import base64
import binascii
from io import BytesIO
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from carte.core import audit, policy
from carte.core.errors import Conflict, Invalid, NotFound
from carte.core.uploads import IMAGE_KINDS, MEGABYTE, check_upload, stored_name
from carte.sales.models import Currency, LegalEntity, Tax
from carte.sales.models.company import DEFAULT_PATTERNS
from carte.sales.queries.company import IMAGES, MODULE, base_currency, entity_has_documents, is_stored_image_name
from carte.sales.services.patterns import check_pattern

Action, Verb = policy.Action, audit.Verb

IMAGE_MAX_SIZE = 2 * MEGABYTE
MAX_PAYMENT_DAYS = 365
REQUIRED = ("name", "legal_name")
TEXTS = (
    "name",
    "legal_name",
    "tax_number",
    "vat_number",
    "registration_number",
    "address",
    "postal_address",
    "phone",
    "email",
    "website",
    "bank_name",
    "bank_account",
    "bank_code",
    "bank_details",
    "signatory_name",
    "signatory_title",
    "accountant_name",
)
MULTILINE = ("address", "postal_address", "bank_details")
PATTERNS = tuple(f"{kind}_pattern" for kind in DEFAULT_PATTERNS)
OTHERS = ("default_currency", "default_tax", "language", "payment_days", *PATTERNS)
FIELDS = TEXTS + OTHERS
AUDITED = [*FIELDS, "logo", "signature", "stamp", "is_default", "archived"]


def _require(actor, action: str) -> None:
    policy.require_in_module(actor, MODULE, action)


# ---------------------------------------------------------------------------------------------
# Checking what admins type
# ---------------------------------------------------------------------------------------------


def _limit(name: str) -> int:
    return cast(models.CharField, LegalEntity._meta.get_field(name)).max_length or 0


def _clean_text(name: str, value) -> str:
    text = str(value if value is not None else "")
    # Addresses and bank details keep their lines; other fields are one line.
    if name in MULTILINE:
        text = "\n".join(" ".join(line.split()) for line in text.strip().splitlines())
    else:
        text = " ".join(text.split())
    if name in REQUIRED and not text:
        raise Invalid(errors={name: [_("This field is required.")]})
    if len(text) > _limit(name):
        raise Invalid(errors={name: [_("At most %(limit)d characters.") % {"limit": _limit(name)}]})
    if name == "email" and text:
        try:
            validate_email(text)
        except ValidationError:
            raise Invalid(
                errors={name: [_("“%(address)s” is not an email address.") % {"address": text[:100]}]}
            ) from None
    return text


def _clean_currency(value) -> Currency:
    code = str(getattr(value, "code", value) or "").strip().upper()
    found = Currency.objects.filter(code=code[:3]).first() if code else None
    if found is None:
        raise Invalid(errors={"default_currency": [_("Unknown currency: %(code)s.") % {"code": code[:10] or "—"}]})
    if not found.active:
        raise Invalid(
            errors={
                "default_currency": [
                    _("%(code)s is not in use: switch it on in Currencies and rates first.") % {"code": found.code}
                ]
            }
        )
    return found


def _clean_tax(value) -> Tax | None:
    if value in (None, ""):
        return None
    pk = getattr(value, "pk", value)
    tax = Tax.objects.filter(pk=int(pk), archived=False).first() if str(pk).isdigit() else None
    if tax is None:
        raise Invalid(errors={"default_tax": [_("This tax does not exist or is archived.")]})
    return tax


def _clean_language(value) -> str:
    language = str(value or "").strip()
    if language not in dict(settings.LANGUAGES):
        choices = ", ".join(code for code, _name in settings.LANGUAGES)
        raise Invalid(errors={"language": [_("Choose one of: %(choices)s.") % {"choices": choices}]})
    return language


def _clean_days(value) -> int:
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid(errors={"payment_days": [_("Enter a whole number of days.")]}) from None
    if not 0 <= days <= MAX_PAYMENT_DAYS:
        raise Invalid(
            errors={"payment_days": [_("Enter a number of days from 0 to %(most)d.") % {"most": MAX_PAYMENT_DAYS}]}
        )
    return days


def _clean_value(name: str, value):
    if name in TEXTS:
        return _clean_text(name, value)
    if name in PATTERNS:
        return check_pattern(str(value or ""), name)
    cleaner = {
        "default_currency": _clean_currency,
        "default_tax": _clean_tax,
        "language": _clean_language,
        "payment_days": _clean_days,
    }[name]
    return cleaner(value)


def clean_entity_values(values: dict) -> dict:
    """The model values for the fields given; Invalid with every field's errors at once."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"Not fields of a legal entity: {', '.join(sorted(unknown))}")
    cleaned: dict = {}
    errors: dict = {}
    for name, value in values.items():
        try:
            cleaned[name] = _clean_value(name, value)
        except Invalid as refused:
            errors |= refused.errors
    if errors:
        raise Invalid(errors=errors)
    return cleaned


def new_entity_defaults() -> dict:
    """What a new legal entity starts with: the base currency, the installation's language, usual patterns."""
    return {
        "default_currency": base_currency().code,
        "default_tax": None,
        "language": settings.LANGUAGE_CODE,
        "payment_days": 30,
        **{f"{kind}_pattern": pattern for kind, pattern in DEFAULT_PATTERNS.items()},
    }


# ---------------------------------------------------------------------------------------------
# Creating and changing
# ---------------------------------------------------------------------------------------------


def _record(actor, verb: str, entity: LegalEntity, before: dict) -> None:
    after = audit.snapshot(entity, AUDITED) if verb != Verb.DELETE else dict.fromkeys(before)
    changes = audit.diff(before, after)
    if changes or verb != Verb.UPDATE:
        audit.record(actor, verb, entity, changes=changes)


def create_legal_entity(*, actor, is_default: bool = False, **values) -> LegalEntity:
    """Add a legal entity. Fields not given take `new_entity_defaults()`; name and legal name are required.

    The first entity becomes the default one; `is_default` makes a later one the default.
    """
    _require(actor, Action.CREATE)
    for name in REQUIRED:
        values.setdefault(name, "")
    cleaned = clean_entity_values(new_entity_defaults() | values)
    try:
        with transaction.atomic():
            first = not LegalEntity.objects.filter(is_default=True).exists()
            if is_default and not first:
                LegalEntity.objects.filter(is_default=True).update(is_default=False)
            entity = LegalEntity.objects.create(**cleaned, is_default=bool(is_default or first))
            _record(actor, Verb.CREATE, entity, {})
    except IntegrityError:
        raise Conflict(_("Someone else changed the default legal entity at the same time; try again.")) from None
    return entity


def update_legal_entity(
    *, actor, entity: LegalEntity, is_default: bool | None = None, archived: bool | None = None, **values
) -> LegalEntity:
    """Change the fields given (the others stay); `archived` and `is_default` archive, restore or make default.

    Numbers already given to documents keep their form when a pattern changes.
    """
    _require(actor, Action.EDIT)
    cleaned = clean_entity_values(values)
    if is_default is False and entity.is_default:
        raise Invalid(errors={"is_default": [_("There is always a default: make another legal entity the default.")]})
    with transaction.atomic():
        entity = _locked(entity)
        before = audit.snapshot(entity, AUDITED)
        for name, value in cleaned.items():
            setattr(entity, name, value)
        entity.save()
        _record(actor, Verb.UPDATE, entity, before)
        if archived is True:
            entity = archive_legal_entity(actor=actor, entity=entity)
        elif archived is False:
            entity = restore_legal_entity(actor=actor, entity=entity)
        if is_default:
            entity = set_default_entity(actor=actor, entity=entity)
    return entity


def _locked(entity: LegalEntity) -> LegalEntity:
    found = LegalEntity.objects.select_for_update().filter(pk=entity.pk).first()
    if found is None:
        raise NotFound()
    return found


@transaction.atomic
def archive_legal_entity(*, actor, entity: LegalEntity) -> LegalEntity:
    """Stop offering an entity for new documents; its documents keep it. The default one stays."""
    _require(actor, Action.EDIT)
    entity = _locked(entity)
    if entity.archived:
        return entity
    if entity.is_default:
        raise Conflict(
            _("“%(name)s” is the default legal entity: make another one the default before archiving it.")
            % {"name": entity}
        )
    before = audit.snapshot(entity, AUDITED)
    entity.archived = True
    entity.save(update_fields=["archived", "updated_at"])
    _record(actor, Verb.UPDATE, entity, before)
    return entity


@transaction.atomic
def restore_legal_entity(*, actor, entity: LegalEntity) -> LegalEntity:
    """Offer an archived entity for new documents again."""
    _require(actor, Action.EDIT)
    entity = _locked(entity)
    if not entity.archived:
        return entity
    before = audit.snapshot(entity, AUDITED)
    entity.archived = False
    entity.save(update_fields=["archived", "updated_at"])
    _record(actor, Verb.UPDATE, entity, before)
    return entity


def set_default_entity(*, actor, entity: LegalEntity) -> LegalEntity:
    """Make an entity (not archived) the one documents use unless told otherwise; there is only one."""
    _require(actor, Action.EDIT)
    try:
        with transaction.atomic():
            entity = _locked(entity)
            if entity.is_default:
                return entity
            if entity.archived:
                raise Conflict(_("“%(name)s” is archived: restore it first.") % {"name": entity})
            previous = LegalEntity.objects.select_for_update().filter(is_default=True).first()
            LegalEntity.objects.filter(is_default=True).update(is_default=False)
            before = audit.snapshot(entity, AUDITED)
            entity.is_default = True
            entity.save(update_fields=["is_default", "updated_at"])
            audit.record(
                actor,
                Verb.UPDATE,
                entity,
                changes=audit.diff(before, audit.snapshot(entity, AUDITED))
                | {"default_entity": [str(previous) if previous else None, str(entity)]},
            )
            return entity
    except IntegrityError:
        raise Conflict(_("Someone else changed the default legal entity at the same time; try again.")) from None


def delete_legal_entity(*, actor, entity: LegalEntity) -> None:
    """Delete an entity no document names (Conflict otherwise: archive it instead), with its images.

    The default entity is deleted only when it is the last one.
    """
    _require(actor, Action.DELETE)
    files = []
    with transaction.atomic():
        entity = _locked(entity)
        if entity_has_documents(entity):
            raise Conflict(
                _("Documents were issued by “%(name)s”: archive it instead, so they keep it.") % {"name": entity}
            )
        if entity.is_default and LegalEntity.objects.exclude(pk=entity.pk).exists():
            raise Conflict(
                _("“%(name)s” is the default legal entity: make another one the default before deleting it.")
                % {"name": entity}
            )
        files = [getattr(entity, which).name for which in IMAGES if getattr(entity, which)]
        _record(actor, Verb.DELETE, entity, audit.snapshot(entity, AUDITED))
        try:
            entity.delete()
        except ProtectedError:
            raise Conflict(_("Other records still use “%(name)s”; archive it instead.") % {"name": entity}) from None
        transaction.on_commit(lambda: _forget_files(files))


# ---------------------------------------------------------------------------------------------
# Logo, signature and stamp
# ---------------------------------------------------------------------------------------------


def _from_base64(text) -> BytesIO:
    """An image sent inside JSON as base64 (the API accepts it besides multipart); Invalid when it is not base64."""
    try:
        return BytesIO(base64.b64decode(str(text), validate=True))
    except (binascii.Error, ValueError):
        raise Invalid(errors={"file": [_("The image is not valid base64.")]}) from None


def _storage(which: str):
    return cast(models.FileField, LegalEntity._meta.get_field(which)).storage


def _forget_files(names: list[str]) -> None:
    """Delete stored images no record names any more (only names the services gave)."""
    for name in names:
        if is_stored_image_name(name):
            storage = _storage("logo")
            if storage.exists(name):
                storage.delete(name)


def _check_which(which: str) -> None:
    if which not in IMAGES:
        raise NotFound()


def set_entity_image(*, actor, entity: LegalEntity, which: str, file=None, content_base64=None) -> LegalEntity:
    """Store a logo, signature or stamp (PNG, JPEG, GIF or WebP, at most 2 MB), replacing the previous one.

    `file` is an uploaded file, or `content_base64` its bytes in base64 (from JSON). The file is
    checked by its content, not its name, and saved under a generated name.
    """
    _require(actor, Action.EDIT)
    _check_which(which)
    if file is None and content_base64 not in (None, ""):
        file = _from_base64(content_base64)
    if file is None:
        raise Invalid(errors={"file": [_("Choose an image file.")]})
    upload = check_upload(file, field="file", kinds=IMAGE_KINDS, max_size=IMAGE_MAX_SIZE)
    saved = _storage(which).save(stored_name("company", upload.extension), ContentFile(upload.content))
    try:
        with transaction.atomic():
            entity = _locked(entity)
            before = audit.snapshot(entity, AUDITED)
            previous = getattr(entity, which).name
            setattr(entity, which, saved)
            entity.save(update_fields=[which, "updated_at"])
            _record(actor, Verb.UPDATE, entity, before)
            if previous:
                transaction.on_commit(lambda: _forget_files([previous]))
    except BaseException:
        _forget_files([saved])
        raise
    return entity


@transaction.atomic
def remove_entity_image(*, actor, entity: LegalEntity, which: str) -> LegalEntity:
    """Take away a logo, signature or stamp (documents no longer show it)."""
    _require(actor, Action.EDIT)
    _check_which(which)
    entity = _locked(entity)
    previous = getattr(entity, which).name
    if not previous:
        return entity
    before = audit.snapshot(entity, AUDITED)
    setattr(entity, which, "")
    entity.save(update_fields=[which, "updated_at"])
    _record(actor, Verb.UPDATE, entity, before)
    transaction.on_commit(lambda: _forget_files([previous]))
    return entity
