"""The screens of imports and exports, one module per part."""

from carte.transfer.urls import exports, imports

app_name = "transfer"

urlpatterns = [
    # Imports (carte/transfer/urls/imports.py): upload, mapping, preview, run, report, undo.
    # Exports (carte/transfer/urls/exports.py): the employee's exports, starting one, downloading a file.
    *imports.urlpatterns,
    *exports.urlpatterns,
]
