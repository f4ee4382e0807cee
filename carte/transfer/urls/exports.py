from django.urls import path

from carte.transfer.views import exports

urlpatterns = [
    path("exports/", exports.export_page, name="exports"),
    path("exports/new/", exports.export_start, name="export_start"),
    path("exports/<int:pk>/file/", exports.export_download, name="export_download"),
]
