"""The fields of a client card that a column can fill, and how an export writes each.

`names` are the headers a field is recognised by, folded (no case, no accents): the words
people use in English, French and Russian, and the headers of Google Contacts and Outlook
exports, so that their files map without work. An export of clients writes these same
labels, so an exported file maps back onto the same fields by itself.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from carte.clients.models import Client, CustomField, Email, Messenger, Phone, TaxId
from carte.transfer.targets.base import Field

# field key → the kind of phone, email, tax id or messenger its values are
PHONE_FIELDS = {f"phone_{kind}": kind for kind in Phone.Kind.values}
EMAIL_FIELDS = {f"email_{kind}": kind for kind in Email.Kind.values}
TAX_ID_FIELDS = {f"tax_id_{kind}": kind for kind in TaxId.Kind.values}
MESSENGER_FIELDS = {f"messenger_{kind}": kind for kind in Messenger.Kind.values}
CUSTOM_PREFIX = "cf_"

PHONE_LABELS = {
    "work": (
        _("Work phone"),
        (
            "phone",
            "telephone",
            "business phone",
            "business phone 2",
            "company main phone",
            "phone 1 - value",
            "телефон",
            "рабочий телефон",
            "téléphone",
            "téléphone professionnel",
            "tel",
            "work phones",
            "téléphone travail",
        ),
    ),
    "mobile": (
        _("Mobile phone"),
        (
            "mobile",
            "cell",
            "cell phone",
            "mobile phone",
            "phone 2 - value",
            "portable",
            "téléphone mobile",
            "мобильный",
            "мобильный телефон",
            "сотовый",
            "mobile phones",
        ),
    ),
    "home": (
        _("Home phone"),
        ("home phone", "home phone 2", "phone 3 - value", "téléphone domicile", "домашний телефон", "home phones"),
    ),
    "fax": (_("Fax"), ("fax", "business fax", "home fax", "télécopie", "факс")),
}
EMAIL_LABELS = {
    "work": (
        _("Work email"),
        (
            "email",
            "e-mail",
            "mail",
            "courriel",
            "adresse e-mail",
            "e-mail address",
            "e-mail 1 - value",
            "email address",
            "электронная почта",
            "почта",
            "e-mail 1",
            "work emails",
            "email 1",
        ),
    ),
    "personal": (
        _("Personal email"),
        (
            "personal email",
            "home email",
            "e-mail 2 address",
            "e-mail 2 - value",
            "e-mail personnel",
            "личная почта",
            "personal emails",
            "email 2",
        ),
    ),
    "other": (
        _("Other email"),
        (
            "other email",
            "e-mail 3 address",
            "e-mail 3 - value",
            "autre e-mail",
            "другая почта",
            "other emails",
            "email 3",
        ),
    ),
}


def _joined(items) -> str:
    return "\n".join(items)


def _reference(name: str):
    return lambda client: str(getattr(client, name) or "")


def _by_kind(client: Client, relation: str, attribute: str) -> dict[str, list[str]]:
    """A client's phones (emails…) grouped by kind, read once per client whatever the number of columns."""
    grouped = client.__dict__.setdefault("_exported_lists", {})
    if relation not in grouped:
        grouped[relation] = {}
        for item in getattr(client, relation).all():
            grouped[relation].setdefault(item.kind, []).append(getattr(item, attribute))
    return grouped[relation]


def _of_kind(relation: str, attribute: str, kind: str):
    return lambda client: _joined(_by_kind(client, relation, attribute).get(kind, ()))


def _owner(client: Client) -> str:
    return client.owner.email or client.owner.get_username()


def _text(name: str):
    return lambda client: getattr(client, name) or ""


def _birthday(client: Client) -> str:
    return client.birthday.isoformat() if client.birthday else ""


def _tags(client: Client) -> str:
    return _joined(sorted(str(tag) for tag in client.tags.all()))


def _kind(client: Client) -> str:
    return str(Client.Kind(client.kind).label)


def card_fields() -> list[Field]:
    """The card's own fields, in the order a card shows them."""
    fields = [
        Field(
            "external_id",
            _("External id"),
            (
                "id",
                "external id",
                "uid",
                "crm id",
                "identifiant",
                "identifiant externe",
                "внешний id",
                "идентификатор",
                "код",
            ),
        ),
        Field("kind", _("Kind"), ("type of client", "client kind", "genre", "вид", "вид клиента"), text=_kind),
        Field(
            "name",
            _("Name"),
            (
                "company name",
                "full name",
                "display name",
                "nom",
                "raison sociale",
                "nom complet",
                "название",
                "наименование",
                "имя клиента",
                "фио",
                "file as",
            ),
            text=_text("name"),
        ),
        Field(
            "legal_name",
            _("Legal name"),
            ("legal name", "dénomination", "полное наименование", "юридическое название"),
            text=_text("legal_name"),
        ),
        Field("first_name", _("First name"), ("given name", "first", "prénom", "имя"), text=_text("first_name")),
        Field(
            "middle_name", _("Middle name"), ("additional name", "second prénom", "отчество"), text=_text("middle_name")
        ),
        Field(
            "last_name",
            _("Last name"),
            ("family name", "surname", "nom de famille", "фамилия"),
            text=_text("last_name"),
        ),
        Field(
            "company",
            _("Company"),
            (
                "organization",
                "organisation",
                "organization name",
                "organization 1 - name",
                "société",
                "entreprise",
                "компания",
                "организация",
                "employer",
            ),
        ),
        Field(
            "position",
            _("Position"),
            ("job title", "organization title", "organization 1 - title", "fonction", "poste", "должность"),
            text=_text("position"),
        ),
        Field(
            "birthday",
            _("Birthday"),
            ("date of birth", "anniversaire", "date de naissance", "день рождения", "дата рождения"),
            text=_birthday,
        ),
        Field(
            "website",
            _("Website"),
            ("web page", "web site", "url", "website 1 - value", "site web", "site", "сайт", "веб-сайт"),
            text=_text("website"),
        ),
    ]
    fields += [
        Field(key, label, names, many=True, text=_of_kind("phones", "number", kind))
        for key, kind in PHONE_FIELDS.items()
        for label, names in [PHONE_LABELS[kind]]
    ]
    fields += [
        Field(key, label, names, many=True, text=_of_kind("emails", "address", kind))
        for key, kind in EMAIL_FIELDS.items()
        for label, names in [EMAIL_LABELS[kind]]
    ]
    fields += [
        Field(key, TaxId.Kind(kind).label, (kind,), many=True, text=_of_kind("tax_ids", "value", kind))
        for key, kind in TAX_ID_FIELDS.items()
    ]
    fields += [
        Field(key, Messenger.Kind(kind).label, (kind,), many=True, text=_of_kind("messengers", "handle", kind))
        for key, kind in MESSENGER_FIELDS.items()
    ]
    fields += [
        Field(
            "address_legal",
            _("Legal address"),
            ("adresse légale", "siège social", "юридический адрес", "registered address"),
            joined=True,
            text=_text("address_legal"),
        ),
        Field(
            "address_postal",
            _("Postal address"),
            ("mailing address", "adresse postale", "почтовый адрес", "other address"),
            joined=True,
            text=_text("address_postal"),
        ),
        Field(
            "address_actual",
            _("Actual address"),
            (
                "address",
                "adresse",
                "адрес",
                "фактический адрес",
                "address 1 - formatted",
                "business street",
                "business city",
                "business postal code",
                "business country/region",
                "business state",
                "home street",
                "home city",
                "home postal code",
                "city",
                "ville",
                "город",
                "postal code",
                "code postal",
                "индекс",
                "country",
                "pays",
                "страна",
            ),
            joined=True,
            text=_text("address_actual"),
        ),
        Field(
            "bank_details",
            _("Bank details"),
            ("bank", "banque", "rib", "iban", "банковские реквизиты", "реквизиты"),
            joined=True,
            text=_text("bank_details"),
        ),
        Field("industry", _("Industry"), ("secteur", "secteur d'activité", "отрасль"), text=_reference("industry")),
        Field(
            "type",
            pgettext_lazy("client", "Type"),
            ("client type", "type de client", "тип", "тип клиента"),
            text=_reference("type"),
        ),
        Field("status", _("Status"), ("statut", "статус"), text=_reference("status")),
        Field("source", _("Source"), ("lead source", "origine", "источник"), text=_reference("source")),
        Field(
            "tags",
            _("Tags"),
            ("labels", "groups", "group membership", "categories", "étiquettes", "метки", "теги"),
            many=True,
            text=_tags,
        ),
        Field(
            "owner",
            _("Owner"),
            ("responsible", "manager", "propriétaire", "responsable", "ответственный", "владелец", "менеджер"),
            text=_owner,
        ),
        Field(
            "notes",
            _("Notes"),
            ("note", "comments", "description", "remarques", "commentaire", "примечание", "примечания", "комментарий"),
            joined=True,
            text=_text("notes"),
        ),
    ]
    return fields


def custom_field(field: CustomField) -> str:
    """The key of a custom field among the import's fields."""
    return f"{CUSTOM_PREFIX}{field.key}"


def _values_by_field(client: Client) -> dict[int, list]:
    """A client's custom values by field, read once per client whatever the number of custom columns."""
    grouped = client.__dict__.get("_exported_values")
    if grouped is None:
        grouped = client.__dict__["_exported_values"] = {}
        for value in client.field_values.all():
            grouped.setdefault(value.field_id, []).append(value)
    return grouped


def _custom_text(field: CustomField):
    def text(client: Client) -> str:
        values = _values_by_field(client).get(field.pk, [])
        shown = []
        for value in values:
            if field.kind in (CustomField.Kind.NUMBER, CustomField.Kind.MONEY):
                shown.append(field.shown_number(value.number))
            elif field.kind == CustomField.Kind.DATE:
                shown.append(value.date.isoformat() if value.date else "")
            elif field.kind == CustomField.Kind.BOOLEAN:
                shown.append(str(_("yes") if value.flag else _("no")))
            elif field.kind == CustomField.Kind.EMPLOYEE:
                shown.append(value.employee.email if value.employee else "")
            else:
                shown.append(value.text)
        return _joined(shown)

    return text


def client_fields(custom: list[CustomField]) -> list[Field]:
    """Every field of the card, then its custom fields (known by their label and their key)."""
    many = (CustomField.Kind.MULTICHOICE,)
    return card_fields() + [
        Field(custom_field(f), f.label, (f.key,), many=f.kind in many, required=f.required, text=_custom_text(f))
        for f in custom
    ]
