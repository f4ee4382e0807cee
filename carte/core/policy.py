"""The access policy: which records a user may see and what they may do to them.

Rights are granted per module and action with a scope. An employee's role says, for
example, "clients / edit / department": they may edit clients owned by anyone in their
department. Every list, card, search, export and API endpoint asks this module, through
`visible()` for sets of records and `can()` / `require()` for one record.

Core does not know the employee model: a user answers `scope_for(module, action)`,
and each app registers a `ModelPolicy` saying how its records relate to an owner.
"""

from dataclasses import dataclass
from typing import cast

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from carte.core.errors import NotAllowed


class Action(models.TextChoices):
    VIEW = "view", _("View")
    CREATE = "create", _("Create")
    EDIT = "edit", _("Edit")
    DELETE = "delete", _("Delete")
    EXPORT = "export", _("Export")


class Scope(models.TextChoices):
    """Ordered from narrowest to widest."""

    NONE = "none", _("None")
    OWN = "own", _("Own")
    DEPARTMENT = "department", _("Department")
    ALL = "all", _("All")


SCOPE_ORDER: list[str] = [Scope.NONE, Scope.OWN, Scope.DEPARTMENT, Scope.ALL]
NOBODY = Q(pk__in=[])


@dataclass(frozen=True)
class ModelPolicy:
    """How one model's records relate to the employee who owns them.

    `owner_path` and `department_path` are ORM lookups from the record to the owning
    employee's id and to the owning department's id. A model without an owner (roles,
    departments) leaves them None: only the scope "all" reaches its records.
    """

    module: str
    owner_path: str | None = "owner"
    department_path: str | None = "owner__department"
    # Employees who share a record without owning it (a task's co-assignees): a many-to-many
    # lookup from the record to them. They reach it with scope "own" like its owner.
    sharers_path: str | None = None

    def within(self, user, scope: str, through: str = "") -> Q:
        """The records this user reaches with this scope, as a filter.

        `through` is the lookup from another model to these records ("person" from a contact
        link): the filter then joins to them instead of listing their ids.
        """
        if scope == Scope.ALL:
            return Q()
        if scope == Scope.NONE or self.owner_path is None:
            return NOBODY
        prefix = f"{through}__" if through else ""
        own = Q(**{f"{prefix}{self.owner_path}": user.pk})
        if self.sharers_path:
            own |= Q(**{f"{prefix}pk__in": self._shared_with(user, self.sharers_path)})
        if scope == Scope.DEPARTMENT and user.department_id and self.department_path:
            if self.department_path == f"{self.owner_path}__department":
                # The department's people as a subquery rather than a join on the owner: the
                # database then reads the records through the owner index, as for "own".
                people = get_user_model().objects.filter(department_id=user.department_id).values("pk")
                return own | Q(**{f"{prefix}{self.owner_path}__in": people})
            return own | Q(**{f"{prefix}{self.department_path}": user.department_id})
        return own

    def _shared_with(self, user, path: str) -> QuerySet:
        # The ids from the many-to-many table itself: a join would repeat a record once per sharer.
        field = _models_of[self]._meta.get_field(path)
        assert isinstance(field, models.ManyToManyField), "sharers are reached through a many-to-many field"
        through = cast(type[models.Model], field.remote_field.through)
        return through._default_manager.filter(**{field.m2m_reverse_field_name(): user.pk}).values(
            field.m2m_field_name()
        )

    def holds(self, user, scope: str, record) -> bool:
        """The same test as `within`, for one record in memory (saved or not)."""
        if scope == Scope.ALL:
            return True
        if scope == Scope.NONE or self.owner_path is None:
            return False
        if _follow(record, self.owner_path) == user.pk:
            return True
        if self.sharers_path and record.pk and getattr(record, self.sharers_path).filter(pk=user.pk).exists():
            return True
        return bool(
            scope == Scope.DEPARTMENT
            and user.department_id
            and self.department_path
            and _follow(record, self.department_path) == user.department_id
        )


def _follow(record, path: str):
    """Walk an ORM lookup path on an instance: "owner__department" → record.owner.department_id."""
    *hops, last = path.split("__")
    for hop in hops:
        record = getattr(record, hop, None)
        if record is None:
            return None
    if last == "pk":
        return record.pk
    # The foreign key's id when there is one: reading the relation itself would load the record.
    if hasattr(record, f"{last}_id"):
        return getattr(record, f"{last}_id")
    return getattr(record, last, None)


_policies: dict[type, ModelPolicy] = {}


_models_of: dict[ModelPolicy, type[models.Model]] = {}  # the model each policy was registered for


def register(model: type[models.Model], policy: ModelPolicy) -> None:
    """Called by each app's permissions module when the app is ready."""
    _policies[model] = policy
    _models_of[policy] = model


def policy_for(model: type[models.Model]) -> ModelPolicy:
    """The policy of a model; an unregistered model is a programming error (fail closed)."""
    try:
        return _policies[model._meta.concrete_model or model]
    except KeyError:
        raise LookupError(f"No access policy registered for {model.__name__}") from None


def scope(user, module: str, action: str) -> str:
    """The widest scope this user holds for an action in a module."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope.NONE
    return user.scope_for(module, action)


def visible(user, queryset: QuerySet, action: str = Action.VIEW) -> QuerySet:
    """Narrow a queryset to the records this user may act on (view by default)."""
    policy = policy_for(queryset.model)
    granted = scope(user, policy.module, action)
    if granted == Scope.NONE:
        return queryset.none()
    return queryset.filter(policy.within(user, granted))


def visible_through(user, queryset: QuerySet, path: str, model, action: str = Action.VIEW) -> QuerySet:
    """Narrow a queryset to the rows whose `model` record at `path` this user may act on.

    The same rule as `visible()`, joined along `path` ("person" for contact links): unlike
    `path__in=visible(...)`, the database never lists every visible record's id first.
    """
    policy = policy_for(model)
    granted = scope(user, policy.module, action)
    if granted == Scope.NONE:
        return queryset.none()
    return queryset.filter(policy.within(user, granted, through=path))


def can(user, action: str, target) -> bool:
    """May this user do `action` to a record (instance) or to some records of a model (class)?"""
    model = target if isinstance(target, type) else type(target)
    policy = policy_for(model)
    granted = scope(user, policy.module, action)
    if isinstance(target, type):
        return granted != Scope.NONE
    return policy.holds(user, granted, target)


def require(user, action: str, target) -> None:
    """Raise NotAllowed unless `can(user, action, target)`."""
    if not can(user, action, target):
        raise NotAllowed()


def can_in_module(user, module: str, action: str, wanted: str = Scope.ALL) -> bool:
    """Does the user hold at least `wanted` scope for a module's action (for menus and settings)?"""
    return SCOPE_ORDER.index(scope(user, module, action)) >= SCOPE_ORDER.index(wanted)


def require_in_module(user, module: str, action: str, wanted: str = Scope.ALL) -> None:
    """Raise NotAllowed unless `can_in_module`: for lists of records without an owner (roles, audit)."""
    if not can_in_module(user, module, action, wanted):
        raise NotAllowed()


_module_labels: dict[str, str] = {}
_default_rights: dict[str, dict[str, dict[str, str]]] = {}

# The built-in roles, in the order the roles screen lists them.
BUILTIN_ROLES = ["administrator", "manager", "sales", "marketing", "service", "readonly"]


def register_module(key: str, label, defaults: dict[str, dict[str, str]] | None = None) -> None:
    """Name a module whose rights roles can grant.

    `defaults` gives the built-in roles' rights in it, {role key: {action: scope}}; the
    Administrator holds every action with scope "all" unless said otherwise. They are
    written when a role lacks them (first install, or a new module on upgrade) and never
    overwrite what an admin changed.
    """
    _module_labels[key] = label
    rights: dict[str, dict[str, str]] = {"administrator": dict.fromkeys(Action.values, Scope.ALL)}
    rights.update(defaults or {})
    _default_rights[key] = rights


def modules() -> dict[str, str]:
    """Every module that rights can be granted for, key → translatable label."""
    return dict(_module_labels)


def default_rights() -> dict[str, dict[str, dict[str, str]]]:
    """{module: {role key: {action: scope}}} as the apps registered them."""
    return {module: {role: dict(acts) for role, acts in roles.items()} for module, roles in _default_rights.items()}
