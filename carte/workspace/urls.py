from django.urls import path

from carte.workspace import notification_views, views

app_name = "workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("settings/", views.settings_index, name="settings"),
    path("search/", views.search, name="search"),
    path("progress/", views.progress, name="progress"),
    path("events/", notification_views.events, name="events"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/bell/", notification_views.notification_bell, name="notification_bell"),
    path("notifications/read/", notification_views.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/", notification_views.notification_open, name="notification_open"),
    # What django.conf.urls.i18n mounts, open to visitors who are not logged in.
    path("i18n/setlang/", views.switch_language, name="set_language"),
]
