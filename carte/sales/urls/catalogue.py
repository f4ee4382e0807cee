"""The catalogue's screens: products, price lists and prices, the picker, a client's price list."""

from django.urls import path

from carte.sales.views import catalogue as views

urlpatterns = [
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/picker/", views.product_picker, name="product_picker"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:pk>/archive/", views.product_archive, name="product_archive"),
    path("products/<int:pk>/unarchive/", views.product_unarchive, name="product_unarchive"),
    path("price-lists/", views.price_list_list, name="price_list_list"),
    path("price-lists/new/", views.price_list_create, name="price_list_create"),
    path("price-lists/<int:pk>/", views.price_list_detail, name="price_list_detail"),
    path("price-lists/<int:pk>/edit/", views.price_list_edit, name="price_list_edit"),
    path("price-lists/<int:pk>/archive/", views.price_list_archive, name="price_list_archive"),
    path("price-lists/<int:pk>/unarchive/", views.price_list_unarchive, name="price_list_unarchive"),
    path("price-lists/<int:pk>/prices/<int:product_pk>/", views.price_set, name="price_set"),
    path("price-lists/<int:pk>/prices/<int:product_pk>/remove/", views.price_remove, name="price_remove"),
    path("price-lists/clients/<int:client_pk>/", views.client_price_list, name="client_price_list"),
]
