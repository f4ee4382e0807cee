from django.urls import path

from carte.clients.views import bulk, card, lists, merge, segments
from carte.clients.views import settings as settings_views

app_name = "clients"

urlpatterns = [
    path("", lists.client_list, name="list"),
    path("new/", card.client_create, name="create"),
    # The list's columns, segments and bulk actions (carte/clients/views/lists.py, segments.py, bulk.py)
    path("columns/", lists.columns_save, name="columns"),
    path("segments/", segments.segment_create, name="segment_create"),
    path("segments/<int:pk>/", segments.segment_open, name="segment_open"),
    path("segments/<int:pk>/edit/", segments.segment_update, name="segment_update"),
    path("segments/<int:pk>/delete/", segments.segment_delete, name="segment_delete"),
    path("bulk/", bulk.bulk_change, name="bulk"),
    path("export/", bulk.client_export, name="export"),
    path("duplicates/", merge.client_duplicates, name="duplicates"),
    path("merge/", merge.client_merge, name="merge"),
    path("<int:pk>/", card.client_card, name="card"),
    path("<int:pk>/edit/", card.client_edit, name="edit"),
    path("<int:pk>/delete/", card.client_delete, name="delete"),
    path("<int:pk>/notes/", card.note_add, name="note_add"),
    path("<int:pk>/timeline/", card.client_timeline, name="timeline"),
    path("<int:pk>/contacts/", card.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/remove/", card.contact_remove, name="contact_remove"),
    path("<int:pk>/tabs/<slug:key>/", card.client_tab, name="tab"),
    path("<int:pk>/sections/<slug:section>/", card.section_edit, name="edit_section"),
    path("<int:pk>/sections/<slug:section>/show/", card.section_show, name="section"),
    # Settings: reference lists and custom fields (carte/clients/views/settings.py)
    path("settings/lists/", settings_views.reference_lists, name="reference_lists"),
    path("settings/lists/<str:reference_list>/add/", settings_views.reference_value_add, name="reference_value_add"),
    path(
        "settings/lists/<str:reference_list>/<str:key>/rename/",
        settings_views.reference_value_rename,
        name="reference_value_rename",
    ),
    path(
        "settings/lists/<str:reference_list>/<str:key>/archive/",
        settings_views.reference_value_archive,
        name="reference_value_archive",
    ),
    path(
        "settings/lists/<str:reference_list>/<str:key>/restore/",
        settings_views.reference_value_restore,
        name="reference_value_restore",
    ),
    path(
        "settings/lists/<str:reference_list>/<str:key>/delete/",
        settings_views.reference_value_delete,
        name="reference_value_delete",
    ),
    path(
        "settings/lists/<str:reference_list>/<str:key>/move/",
        settings_views.reference_value_move,
        name="reference_value_move",
    ),
    path("settings/fields/", settings_views.custom_field_list, name="custom_fields"),
    path("settings/fields/new/", settings_views.custom_field_create, name="custom_field_create"),
    path("settings/fields/<slug:key>/edit/", settings_views.custom_field_edit, name="custom_field_edit"),
    path("settings/fields/<slug:key>/archive/", settings_views.custom_field_archive, name="custom_field_archive"),
    path("settings/fields/<slug:key>/restore/", settings_views.custom_field_restore, name="custom_field_restore"),
    path("settings/fields/<slug:key>/delete/", settings_views.custom_field_delete, name="custom_field_delete"),
    path("settings/fields/<slug:key>/move/", settings_views.custom_field_move, name="custom_field_move"),
]
