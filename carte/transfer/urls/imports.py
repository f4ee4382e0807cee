"""The import screens: the list, the upload, one import's page (mapping, progress, report) and its actions."""

from django.urls import path

from carte.transfer.views import imports

urlpatterns = [
    path("imports/", imports.import_list, name="import_list"),
    path("imports/new/", imports.import_new, name="import_new"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    path("imports/<int:pk>/layout/", imports.import_layout, name="import_layout"),
    path("imports/<int:pk>/mapping/", imports.import_mapping, name="import_mapping"),
    path("imports/<int:pk>/run/", imports.import_run, name="import_run"),
    path("imports/<int:pk>/resume/", imports.import_resume, name="import_resume"),
    path("imports/<int:pk>/undo/", imports.import_undo, name="import_undo"),
    path("imports/<int:pk>/report.csv", imports.import_report, name="import_report"),
    path("import-mappings/<int:pk>/delete/", imports.mapping_delete, name="mapping_delete"),
]
