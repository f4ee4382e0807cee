"""The call log's screens and the telephony settings."""

from django.urls import path

from carte.calls.views import calls, telephony

app_name = "calls"
urlpatterns = [
    path("", calls.call_list, name="call_list"),
    path("new/", calls.call_log, name="call_log"),
    path("place/", calls.call_place, name="place"),
    path("<int:pk>/", calls.call_detail, name="call_detail"),
    path("<int:pk>/edit/", calls.call_edit, name="call_edit"),
    path("<int:pk>/popup/", calls.call_popup, name="popup"),
    path("telephony/", telephony.connection_list, name="connection_list"),
    path("telephony/new/", telephony.connection_create, name="connection_create"),
    path("telephony/<int:pk>/", telephony.connection_edit, name="connection_edit"),
    path("telephony/<int:pk>/events/", telephony.connection_events, name="connection_events"),
    path("telephony/<int:pk>/rotate/", telephony.connection_rotate, name="connection_rotate"),
    path("telephony/<int:pk>/deactivate/", telephony.connection_deactivate, name="connection_deactivate"),
]
