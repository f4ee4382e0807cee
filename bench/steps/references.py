"""Reference values and custom fields, as an administrator would have set them up.

The built-in values (statuses, types, sources, industries, contact roles, the "vip" tag)
come with every installation; the benchmark adds a few tags and sources an admin would
add, and eight custom fields, one of each kind.
"""

from bench.generate import Load
from carte.clients.models import CustomField, ReferenceValue

LIST = ReferenceValue.List
EXTRA_VALUES = {
    LIST.TAG: ("export", "public-sector", "key-account", "newsletter", "late-payer", "tender", "partner-program"),
    LIST.SOURCE: ("linkedin", "trade-fair-paris", "webinar"),
}
CUSTOM_FIELDS = (
    ("contract_number", "Contract number", CustomField.Kind.TEXT, []),
    ("headcount", "Employees", CustomField.Kind.NUMBER, []),
    ("revenue", "Annual revenue", CustomField.Kind.MONEY, []),
    ("contract_end", "Contract ends", CustomField.Kind.DATE, []),
    ("segment", "Segment", CustomField.Kind.CHOICE, ["SMB", "Mid-market", "Enterprise"]),
    ("interests", "Interests", CustomField.Kind.MULTICHOICE, ["Hardware", "Software", "Support", "Training"]),
    ("newsletter", "Newsletter", CustomField.Kind.BOOLEAN, []),
    ("account_manager", "Account manager", CustomField.Kind.EMPLOYEE, []),
)


def reference_values(load: Load) -> int:
    added = [
        ReferenceValue(list=reference_list, key=key, label=key.replace("-", " ").capitalize(), order=100 + number)
        for reference_list, keys in EXTRA_VALUES.items()
        for number, key in enumerate(keys)
        if not ReferenceValue.objects.filter(list=reference_list, key=key).exists()
    ]
    ReferenceValue.objects.bulk_create(added)
    load.references = {}
    for value in ReferenceValue.objects.filter(archived=False):
        load.references.setdefault(value.list, {})[value.key] = value.pk
    return len(added)


def custom_fields(load: Load) -> int:
    fields = [
        CustomField.objects.get_or_create(
            key=key,
            defaults={
                "label": label,
                "kind": kind,
                "options": options,
                "order": order,
                "currency": "EUR" * (kind == "money"),
            },
        )[0]
        for order, (key, label, kind, options) in enumerate(CUSTOM_FIELDS)
    ]
    load.custom_fields = fields
    return len(fields)
