"""The sales screens, one module per part: settings, catalogue, deals, documents, payments."""

from carte.sales.urls import catalogue, company, deals, documents, payments, targets

app_name = "sales"
urlpatterns = [
    *company.urlpatterns,
    *catalogue.urlpatterns,
    *deals.urlpatterns,
    *documents.urlpatterns,
    *payments.urlpatterns,
    *targets.urlpatterns,
]
