from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "carte.core"
    label = "core"
    verbose_name = "Carte core"
