"""The REST API v1: one NinjaAPI assembled from the apps' routers.

Authentication is a personal token (`Authorization: Bearer …`) or the browser session
(with its CSRF token for writes). Errors answer RFC 9457 problem details.
"""

from ninja import NinjaAPI
from ninja.security import SessionAuth

from carte.accounts.api import router as accounts_router
from carte.accounts.auth import TokenAuth
from carte.backups.api import router as backups_router
from carte.calls.api import router as calls_router
from carte.clients.api import bulk as bulk_endpoints
from carte.clients.api import clients as client_endpoints
from carte.clients.api import custom_fields as custom_field_endpoints
from carte.clients.api import duplicates as duplicate_endpoints
from carte.clients.api import merge as merge_endpoints
from carte.clients.api import references as reference_endpoints
from carte.clients.api import segments as segment_endpoints
from carte.core.api import install_problem_handlers
from carte.knowledge.api import router as knowledge_router
from carte.planner.api import calendar as calendar_endpoints
from carte.planner.api import tasks as task_endpoints
from carte.reports.api import router as reports_router
from carte.sales.api import catalogue as catalogue_endpoints
from carte.sales.api import company as company_endpoints
from carte.sales.api import deals as deal_endpoints
from carte.sales.api import documents as document_endpoints
from carte.sales.api import payments as payment_endpoints
from carte.sales.api import targets as target_endpoints
from carte.transfer.api import router as transfer_router
from carte.workspace.api import router as workspace_router

api = NinjaAPI(
    title="Carte API",
    version="1",
    description="Employees, departments, roles, clients, deals, products, sales documents, payments, tasks, "
    "the calendar, calls, telephony webhooks, notifications and the global search. Lists are paged "
    "(`page`, `page_size`) and sorted with `ordering` (one of the keys each list names, `-` for "
    "descending). Errors are problem+json (RFC 9457).",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth(csrf=True)],
    docs_url="/docs",
)
install_problem_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/clients", client_endpoints.router)
api.add_router("/clients", bulk_endpoints.router)
api.add_router("/segments", segment_endpoints.router)
api.add_router("/clients", duplicate_endpoints.router)
api.add_router("/clients", merge_endpoints.router)
api.add_router("/reference-lists", reference_endpoints.router)
api.add_router("/custom-fields", custom_field_endpoints.router)
# Sales: each module names its own paths (/currencies, /products, /deals, /documents, /payments…).
for sales_router in (
    company_endpoints,
    catalogue_endpoints,
    deal_endpoints,
    document_endpoints,
    payment_endpoints,
    target_endpoints,
):
    api.add_router("/", sales_router.router)
api.add_router("/", task_endpoints.router)
api.add_router("/", calendar_endpoints.router)
api.add_router("/", calls_router)
api.add_router("/", transfer_router)
api.add_router("/", backups_router)
api.add_router("/", knowledge_router)
api.add_router("/", reports_router)
api.add_router("/", workspace_router)
