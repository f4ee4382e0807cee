"""Quotes, invoices, contracts and acts; document templates (Settings)."""

from django.urls import path

from carte.sales.views import documents, templates

urlpatterns = [
    path("documents/", documents.document_list, name="document_list"),
    path("documents/<int:pk>/", documents.document_detail, name="document_detail"),
    path("documents/<int:pk>/edit/", documents.document_edit, name="document_edit"),
    path("documents/<int:pk>/status/", documents.document_status, name="document_status"),
    path("documents/<int:pk>/generate/", documents.document_generate, name="document_generate"),
    path("documents/<int:pk>/file/", documents.document_file, name="document_file"),
    path("deals/<int:deal_pk>/documents/new/", documents.document_create, name="document_create"),
    path("settings/document-templates/", templates.template_list, name="template_list"),
    path("settings/document-templates/new/", templates.template_upload, name="template_upload"),
    path("settings/document-templates/<int:pk>/file/", templates.template_file, name="template_file"),
    path("settings/document-templates/<int:pk>/delete/", templates.template_delete, name="template_delete"),
    path(
        "settings/document-templates/builtin/<slug:kind>.<slug:format>",
        templates.template_builtin,
        name="template_builtin",
    ),
]
