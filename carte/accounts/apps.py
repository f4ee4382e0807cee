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

        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="carte-builtin-roles")
