from django.urls import include, path

from carte.api import api

urlpatterns = [
    path("", include("carte.workspace.urls")),
    path("", include("carte.accounts.urls")),
    path("clients/", include("carte.clients.urls")),
    path("", include("carte.sales.urls")),
    path("planner/", include("carte.planner.urls")),
    path("calls/", include("carte.calls.urls")),
    path("", include("carte.transfer.urls")),
    path("", include("carte.backups.urls")),
    path("knowledge/", include("carte.knowledge.urls")),
    path("reports/", include("carte.reports.urls")),
    path("api/v1/", api.urls),
]

handler400 = "carte.workspace.views.bad_request"
handler403 = "carte.workspace.views.forbidden"
handler404 = "carte.workspace.views.not_found"
handler500 = "carte.workspace.views.server_error"
