"""Every change to clients: one function per use case, rights checked first, audited, on the timeline.

The HTML views and the REST API call these same functions. Each takes the acting employee
as `actor` and keyword arguments only; each refusal raises a carte.core.errors exception
before anything is written. The use cases live in the modules of this package, by subject;
the most used are named here.
"""

from carte.clients.services.bulk import BulkAction, BulkReport, change_clients, export_clients
from carte.clients.services.cleaning import EmailData, MessengerData, PhoneData, TaxIdData
from carte.clients.services.clients import card_values, create_client, delete_client, update_client
from carte.clients.services.contacts import link_contact, unlink_contact
from carte.clients.services.custom_fields import (
    archive_custom_field,
    create_custom_field,
    delete_custom_field,
    move_custom_field,
    reorder_custom_fields,
    restore_custom_field,
    update_custom_field,
)
from carte.clients.services.lists import save_columns
from carte.clients.services.merge import MergeResult, merge_clients, register_merge_hook
from carte.clients.services.references import (
    add_reference_value,
    archive_reference_value,
    delete_reference_value,
    move_reference_value,
    rename_reference_value,
    reorder_reference_values,
    restore_reference_value,
    update_reference_value,
)
from carte.clients.services.segments import create_segment, delete_segment, may_change_segment, update_segment
from carte.clients.services.timeline import add_note, record_timeline

__all__ = [
    "BulkAction",
    "BulkReport",
    "EmailData",
    "MergeResult",
    "MessengerData",
    "PhoneData",
    "TaxIdData",
    "add_note",
    "add_reference_value",
    "archive_custom_field",
    "archive_reference_value",
    "card_values",
    "change_clients",
    "create_client",
    "create_custom_field",
    "create_segment",
    "delete_client",
    "delete_custom_field",
    "delete_reference_value",
    "delete_segment",
    "export_clients",
    "link_contact",
    "may_change_segment",
    "merge_clients",
    "move_custom_field",
    "move_reference_value",
    "record_timeline",
    "register_merge_hook",
    "rename_reference_value",
    "reorder_custom_fields",
    "reorder_reference_values",
    "restore_custom_field",
    "restore_reference_value",
    "save_columns",
    "unlink_contact",
    "update_client",
    "update_custom_field",
    "update_reference_value",
    "update_segment",
]
