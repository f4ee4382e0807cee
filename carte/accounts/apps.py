from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "carte.accounts"
    label = "accounts"
    verbose_name = _("Employees and rights")

    def ready(self):
        from carte.accounts import permissions  # noqa: F401 - registers the policies
        from carte.accounts.roles import on_post_migrate
        from carte.core import navigation
        from carte.core.policy import Action

        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="carte-builtin-roles")
        from carte.accounts import setup_steps

        setup_steps.register()  # the setup checklist: employees, departments and roles; outgoing mail

        # Everyone may look colleagues up, so the settings entries need the right to change things
        # (employees, departments); roles and the audit log are shown to whoever may read them.
        for link in (
            navigation.Link("employees", _("Employees"), "accounts:employee_list", "employees", Action.EDIT, order=20),
            navigation.Link(
                "departments", _("Departments"), "accounts:department_list", "departments", Action.EDIT, order=21
            ),
            navigation.Link("roles", _("Roles and rights"), "accounts:role_list", "roles", Action.VIEW, order=22),
            navigation.Link("audit", _("Audit log"), "accounts:audit_list", "audit", Action.VIEW, order=90),
        ):
            navigation.add_settings_page(link)
