"""Reads of clients, scoped to the user through the access policy.

The HTML list, the REST list and the global search all go through `clients_visible_to` /
`matching`, so they filter the same way and never show a record the policy hides. The reads
live in the modules of this package, by subject; the most used are named here.
"""

from carte.clients.queries.clients import (
    assignable_owners,
    custom_values_of,
    employee_by_id,
    get_client_for,
    history_of,
    owner_choices,
    phones_and_emails,
    prefetch_card,
    progress_of,
    search_hits,
    with_card_lists,
)
from carte.clients.queries.contacts import contacts_of, count_contacts, get_contact_for, link_candidates
from carte.clients.queries.duplicates import Duplicate, Reason, likely_duplicates
from carte.clients.queries.lists import clients_for, clients_visible_to
from carte.clients.queries.merge import (
    MergePlan,
    clients_to_merge,
    merge_candidates,
    merge_ids,
    merge_plan,
    merge_suggestions,
)
from carte.clients.queries.references import (
    ReferenceList,
    custom_fields,
    custom_fields_with_counts,
    get_custom_field,
    get_reference_value,
    reference_list,
    reference_lists,
    values_of,
    values_with_usage,
)
from carte.clients.queries.timeline import TimelinePage, readable_entries, timeline_for

__all__ = [
    "Duplicate",
    "MergePlan",
    "Reason",
    "ReferenceList",
    "TimelinePage",
    "assignable_owners",
    "clients_for",
    "clients_to_merge",
    "clients_visible_to",
    "contacts_of",
    "count_contacts",
    "custom_fields",
    "custom_fields_with_counts",
    "custom_values_of",
    "employee_by_id",
    "get_client_for",
    "get_contact_for",
    "get_custom_field",
    "get_reference_value",
    "history_of",
    "likely_duplicates",
    "link_candidates",
    "merge_candidates",
    "merge_ids",
    "merge_plan",
    "merge_suggestions",
    "owner_choices",
    "phones_and_emails",
    "prefetch_card",
    "progress_of",
    "readable_entries",
    "reference_list",
    "reference_lists",
    "search_hits",
    "timeline_for",
    "values_of",
    "values_with_usage",
    "with_card_lists",
]
