"""The built-in roles and their default rights, written after every migrate."""

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from carte.accounts.models import Right, Role
from carte.core import policy

BUILTIN_NAMES = {
    "administrator": _("Administrator"),
    "manager": _("Manager"),
    "sales": _("Sales"),
    "marketing": _("Marketing"),
    "service": _("Service"),
    "readonly": _("Read-only"),
}


@transaction.atomic
def ensure_builtin_roles() -> None:
    """Create missing built-in roles and the rights they lack; never overwrite an admin's edit.

    Names are written in the installation's language, once; admins may rename them.
    """
    with translation.override(settings.LANGUAGE_CODE):
        roles = {}
        for key in policy.BUILTIN_ROLES:
            roles[key], _created = Role.objects.get_or_create(key=key, defaults={"name": str(BUILTIN_NAMES[key])})
    existing = set(Right.objects.filter(role__key__isnull=False).values_list("role__key", "module", "action"))
    missing = [
        Right(role=roles[role_key], module=module, action=action, scope=scope)
        for module, by_role in policy.default_rights().items()
        for role_key, grants in by_role.items()
        for action, scope in grants.items()
        if (role_key, module, action) not in existing
    ]
    Right.objects.bulk_create(missing)


def on_post_migrate(sender, **kwargs) -> None:
    ensure_builtin_roles()
