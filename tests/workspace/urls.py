"""Carte's URLs plus a few views that fail on purpose, and the workspace's API router mounted
the way carte/api.py mounts the apps' routers (same authentication, same problem handlers)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.shortcuts import redirect
from django.urls import path
from ninja import NinjaAPI
from ninja.security import SessionAuth

from carte import urls
from carte.core.api import install_problem_handlers
from carte.core.errors import Invalid, NotAllowed
from carte.workspace.api import router as workspace_router

api = NinjaAPI(urls_namespace="workspace-test-api", auth=[SessionAuth(csrf=True)])
install_problem_handlers(api)
api.add_router("/", workspace_router)


def refuse(request):
    raise NotAllowed()


def refuse_input(request):
    raise Invalid("The name is missing.", errors={"name": ["This field is required."]})


def deny(request):
    raise PermissionDenied


def reject(request):
    raise SuspiciousOperation("bad input")


def crash(request):
    raise RuntimeError("a bug")


def leave_message(request):
    messages.success(request, "Client saved.")
    return redirect("workspace:home")


urlpatterns = [
    path("test/refuse/", refuse),
    path("test/refuse-input/", refuse_input),
    path("test/deny/", deny),
    path("test/reject/", reject),
    path("test/crash/", crash),
    path("test/message/", leave_message),
    path("api/workspace-test/", api.urls),
    *urls.urlpatterns,
]

handler400 = urls.handler400
handler403 = urls.handler403
handler404 = urls.handler404
handler500 = urls.handler500
