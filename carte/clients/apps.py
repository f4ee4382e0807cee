from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "carte.clients"
    label = "clients"
    verbose_name = _("Clients")

    def ready(self):
        from carte.clients import permissions  # noqa: F401 - registers the policies
