"""Reports: the adoption page and its "Refresh now"."""

from django.urls import path

from carte.reports import views

app_name = "reports"

urlpatterns = [
    path("adoption/", views.adoption, name="adoption"),
    path("adoption/refresh/", views.refresh, name="refresh"),
]
