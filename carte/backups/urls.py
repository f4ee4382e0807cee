"""The Backups settings page: the list, running one now, verifying one, downloading one."""

from django.urls import path

from carte.backups import views

app_name = "backups"

urlpatterns = [
    path("settings/backups/", views.backup_list, name="backup_list"),
    path("settings/backups/run/", views.backup_run, name="backup_run"),
    path("settings/backups/<int:pk>/verify/", views.backup_verify, name="backup_verify"),
    path("settings/backups/<int:pk>/download/", views.backup_download, name="backup_download"),
]
