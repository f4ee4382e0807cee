"""The REST API v1: one NinjaAPI assembled from the apps' routers.

Authentication is a personal token (`Authorization: Bearer …`) or the browser session
(with its CSRF token for writes). Errors answer RFC 9457 problem details.
"""

from ninja import NinjaAPI
from ninja.security import SessionAuth

from carte.accounts.api import router as accounts_router
from carte.accounts.auth import TokenAuth
from carte.clients.api import router as clients_router
from carte.core.api import install_problem_handlers
from carte.workspace.api import router as workspace_router

api = NinjaAPI(
    title="Carte API",
    version="1",
    description="Employees, departments, roles, clients and the global search. Lists are paged "
    "(`page`, `page_size`) and sorted with `ordering` (one of the keys each list names, `-` for "
    "descending). Errors are problem+json (RFC 9457).",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth(csrf=True)],
    docs_url="/docs",
)
install_problem_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/clients", clients_router)
api.add_router("/", workspace_router)
