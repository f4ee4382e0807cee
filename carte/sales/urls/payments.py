"""Payments: recording and deleting them from an invoice's page, and the payments list."""

from django.urls import path

from carte.sales.views import payments

urlpatterns = [
    path("payments/", payments.payment_list, name="payment_list"),
    path("documents/<int:pk>/payments/new/", payments.payment_create, name="payment_create"),
    path("payments/<int:pk>/delete/", payments.payment_delete, name="payment_delete"),
]
