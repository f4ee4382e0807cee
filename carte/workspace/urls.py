from django.urls import path

from carte.workspace import views

app_name = "workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("settings/", views.settings_index, name="settings"),
    path("search/", views.search, name="search"),
    # What django.conf.urls.i18n mounts, open to visitors who are not logged in.
    path("i18n/setlang/", views.switch_language, name="set_language"),
]
