"""Settings: company details (legal entities), currencies and rates, taxes (carte/sales/views/company.py)."""

from django.urls import path

from carte.sales.views import company as views

IMAGE = "settings/company/<int:pk>/images/<slug:which>/"  # which: logo, signature or stamp

urlpatterns = [
    path("settings/company/", views.entity_list, name="entity_list"),
    path("settings/company/new/", views.entity_create, name="entity_create"),
    path("settings/company/<int:pk>/", views.entity_edit, name="entity_edit"),
    path("settings/company/<int:pk>/archive/", views.entity_archive, name="entity_archive"),
    path("settings/company/<int:pk>/restore/", views.entity_restore, name="entity_restore"),
    path("settings/company/<int:pk>/default/", views.entity_default, name="entity_default"),
    path("settings/company/<int:pk>/delete/", views.entity_delete, name="entity_delete"),
    path(IMAGE, views.entity_image, name="entity_image"),
    path(f"{IMAGE}upload/", views.entity_image_upload, name="entity_image_upload"),
    path(f"{IMAGE}remove/", views.entity_image_remove, name="entity_image_remove"),
    path("settings/currencies/", views.currency_list, name="currency_list"),
    path("settings/currencies/import/", views.rate_import, name="rate_import"),
    path("settings/currencies/<str:code>/", views.currency_rates, name="currency_rates"),
    path("settings/currencies/<str:code>/in-use/", views.currency_in_use, name="currency_in_use"),
    path("settings/currencies/<str:code>/base/", views.currency_base, name="currency_base"),
    path("settings/currencies/<str:code>/rates/", views.rate_add, name="rate_add"),
    path("settings/rates/<int:pk>/", views.rate_edit, name="rate_edit"),
    path("settings/rates/<int:pk>/delete/", views.rate_delete, name="rate_delete"),
    path("settings/taxes/", views.tax_list, name="tax_list"),
    path("settings/taxes/new/", views.tax_create, name="tax_create"),
    path("settings/taxes/<int:pk>/", views.tax_edit, name="tax_edit"),
    path("settings/taxes/<int:pk>/archive/", views.tax_archive, name="tax_archive"),
    path("settings/taxes/<int:pk>/restore/", views.tax_restore, name="tax_restore"),
    path("settings/taxes/<int:pk>/move/", views.tax_move, name="tax_move"),
]
