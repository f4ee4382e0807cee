"""The audit log reads in people's words."""


def test_audit_changes_are_labelled_with_field_names(db):
    from carte.core.models import AuditEntry

    entry = AuditEntry(model="clients.client", changes={"status": ["lead", "customer"], "phones": ["", "+33"]})
    assert entry.changed_fields() == [("status", "lead", "customer"), ("phones", "", "+33")]
    assert AuditEntry(model="gone.model", changes={"x": [1, 2]}).changed_fields() == [("x", 1, 2)]
