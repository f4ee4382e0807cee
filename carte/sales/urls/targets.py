"""Monthly sales targets."""

from django.urls import path

from carte.sales.views import targets

urlpatterns = [
    path("targets/", targets.target_list, name="target_list"),
    path("targets/set/", targets.target_set, name="target_set"),
]
