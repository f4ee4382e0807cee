import pytest

from carte.clients import services
from carte.clients.models import Client, Contact, TimelineEntry
from carte.core.errors import Conflict, Invalid, NotAllowed
from carte.core.models import AuditEntry


def audit_of(client):
    return AuditEntry.objects.filter(model="clients.client", object_id=str(client.pk))


def unchanged(client):
    """The client as stored equals the instance given (same version, same values)."""
    stored = Client.objects.get(pk=client.pk)
    return (stored.version, stored.owner_id, stored.name, stored.status) == (
        client.version,
        client.owner_id,
        client.name,
        client.status,
    )


def test_seller_creates_own_client_with_phones_and_emails(alice, acme):
    assert acme.owner == alice
    phone = acme.phones.get()
    assert (phone.digits, phone.e164) == ("0612345678", "+33612345678")
    assert acme.emails.get().address == "sales@acme.example"
    entry = audit_of(acme).get()
    assert entry.verb == "create"
    assert entry.changes["name"] == [None, "Acme Industries"]
    assert entry.changes["phones"] == [None, "Mobile: 06 12 34 56 78"]
    assert acme.timeline.get().kind == "created"


def test_own_scope_seller_cannot_create_a_client_for_a_teammate(alice, bob):
    with pytest.raises(NotAllowed):
        services.create_client(actor=alice, name="Gift", owner=bob)
    assert not Client.objects.exists()
    assert not AuditEntry.objects.filter(model="clients.client").exists()


def test_readonly_employee_cannot_create_clients(rita):
    with pytest.raises(NotAllowed):
        services.create_client(actor=rita, name="Nope")
    assert not Client.objects.exists()


def test_manager_creates_a_client_for_a_seller(mia, bob):
    client = services.create_client(actor=mia, name="Bob's new lead", owner=bob)
    assert client.owner == bob


def test_person_without_a_name_is_named_after_first_and_last_name(jean):
    assert jean.name == "Jean Dupont"


def test_client_needs_a_name(alice):
    with pytest.raises(Invalid) as refused:
        services.create_client(actor=alice, name="  ")
    assert "name" in refused.value.errors
    assert not Client.objects.exists()


def test_bad_email_or_phone_is_refused_and_nothing_is_written(alice):
    with pytest.raises(Invalid) as refused:
        services.create_client(actor=alice, name="Acme", emails=[("not-an-email", "work")], phones=[("12", "work")])
    assert "phones" in refused.value.errors
    assert not Client.objects.exists()


def test_update_records_old_and_new_values_and_bumps_the_version(alice, acme):
    updated = services.update_client(actor=alice, client=acme, version=acme.version, status="customer")
    assert updated.version == acme.version + 1
    entry = audit_of(acme).filter(verb="update").get()
    assert entry.changes == {"status": ["Lead", "Customer"]}
    timeline = acme.timeline.filter(kind="updated").get()
    assert "status" in timeline.summary


def test_update_replaces_phones_and_audits_the_change(alice, acme):
    services.update_client(actor=alice, client=acme, version=acme.version, phones=[("+33 1 23 45 67 89", "work")])
    assert list(acme.phones.values_list("e164", flat=True)) == ["+33123456789"]
    changes = audit_of(acme).filter(verb="update").get().changes
    assert changes["phones"] == ["Mobile: 06 12 34 56 78", "Work: +33 1 23 45 67 89"]


def test_update_that_changes_nothing_writes_nothing(alice, acme):
    services.update_client(
        actor=alice, client=acme, version=acme.version, name="Acme Industries", phones=[("06 12 34 56 78", "mobile")]
    )
    assert unchanged(acme)
    assert not audit_of(acme).filter(verb="update").exists()


def test_stale_version_is_a_conflict_that_shows_the_current_values(alice, mia, acme):
    services.update_client(actor=mia, client=acme, version=acme.version, name="Acme SA")
    with pytest.raises(Conflict) as refused:
        services.update_client(actor=alice, client=acme, version=acme.version, name="Acme Ltd", status="lead")
    assert "Acme SA" in refused.value.errors["name"][0]
    assert "status" not in refused.value.errors  # unchanged by both: nothing to compare
    assert Client.objects.get(pk=acme.pk).name == "Acme SA"


def test_own_scope_seller_cannot_give_a_client_away_and_nothing_changes(alice, bob, acme):
    with pytest.raises(NotAllowed):
        services.update_client(actor=alice, client=acme, version=acme.version, owner=bob, status="customer")
    assert unchanged(acme)
    assert not audit_of(acme).filter(verb="update").exists()
    assert not acme.timeline.filter(kind="updated").exists()


def test_teammate_who_only_sees_a_client_cannot_edit_it(bob, acme):
    with pytest.raises(NotAllowed):
        services.update_client(actor=bob, client=acme, version=acme.version, name="Mine now")
    assert unchanged(acme)


def test_manager_reassigns_a_client_within_their_scope(mia, bob, acme):
    updated = services.update_client(actor=mia, client=acme, version=acme.version, owner=bob)
    assert updated.owner == bob
    assert audit_of(acme).filter(verb="update").get().changes["owner"] == ["Alice Seller", "Bob Seller"]


def test_seller_cannot_delete_a_client(alice, acme):
    with pytest.raises(NotAllowed):
        services.delete_client(actor=alice, client=acme)
    assert Client.objects.filter(pk=acme.pk).exists()


def test_manager_deletes_a_client_and_the_audit_log_keeps_its_values(mia, acme):
    pk = acme.pk
    services.delete_client(actor=mia, client=acme)
    assert not Client.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(model="clients.client", object_id=str(pk), verb="delete")
    assert entry.changes["name"] == ["Acme Industries", None]


def test_note_goes_on_the_timeline_and_in_the_audit_log(alice, acme):
    note = services.add_note(actor=alice, client=acme, text="  Called, wants a quote  ")
    assert (note.kind, note.summary, note.actor) == ("note", "Called, wants a quote", alice)
    assert AuditEntry.objects.filter(model="clients.timelineentry", object_id=str(note.pk)).exists()


def test_empty_note_is_refused(alice, acme):
    with pytest.raises(Invalid):
        services.add_note(actor=alice, client=acme, text="   ")


def test_teammate_who_only_sees_a_client_cannot_add_notes(bob, acme):
    with pytest.raises(NotAllowed):
        services.add_note(actor=bob, client=acme, text="Hello")
    assert not acme.timeline.filter(kind="note").exists()


def test_linking_a_contact_writes_on_both_timelines(alice, acme, jean):
    contact = services.link_contact(actor=alice, company=acme, person=jean, role="purchaser")
    assert contact.role.key == "purchaser"
    assert "Jean Dupont" in acme.timeline.get(kind="contact").summary
    assert "Acme Industries" in jean.timeline.get(kind="contact").summary
    assert AuditEntry.objects.filter(model="clients.contact", verb="create").exists()


def test_a_person_is_linked_to_a_company_only_once(alice, acme, jean):
    services.link_contact(actor=alice, company=acme, person=jean)
    with pytest.raises(Invalid):
        services.link_contact(actor=alice, company=acme, person=jean)
    assert Contact.objects.count() == 1


def test_a_contact_links_a_person_to_a_company(alice, acme, make_client):
    other = make_client(name="Other Ltd")
    with pytest.raises(Invalid):
        services.link_contact(actor=alice, company=acme, person=other)
    assert not Contact.objects.exists()


def test_outsider_cannot_link_their_person_to_a_company_they_cannot_see(charlie, acme, make_client):
    pierre = make_client(actor=charlie, kind="person", first_name="Pierre", name="")
    with pytest.raises(NotAllowed):
        services.link_contact(actor=charlie, company=acme, person=pierre)
    assert not Contact.objects.exists()


def test_unlinking_a_contact_keeps_both_cards(alice, acme, jean):
    contact = services.link_contact(actor=alice, company=acme, person=jean)
    services.unlink_contact(actor=alice, contact=contact)
    assert not Contact.objects.exists()
    assert Client.objects.filter(pk__in=[acme.pk, jean.pk]).count() == 2
    assert jean.timeline.filter(kind="contact").count() == 2


def test_other_apps_record_timeline_entries_with_a_link(acme, bob):
    entry = services.record_timeline(client=acme, kind="call", summary="x" * 600, link="/calls/7/", actor=bob)
    assert len(entry.summary) == 500
    assert TimelineEntry.objects.filter(client=acme, kind="call", link="/calls/7/").exists()


def test_a_persons_name_follows_their_first_and_last_name(alice, jean):
    updated = services.update_client(actor=alice, client=jean, version=jean.version, last_name="Durand")
    assert updated.name == "Jean Durand"


def test_a_company_with_contact_persons_keeps_its_kind(alice, acme, jean):
    services.link_contact(actor=alice, company=acme, person=jean)
    with pytest.raises(Invalid) as refused:
        services.update_client(actor=alice, client=acme, version=acme.version, kind="person")
    assert "kind" in refused.value.errors
    assert Client.objects.get(pk=acme.pk).kind == "company"


def test_stale_version_asking_for_what_the_card_already_says_is_no_conflict(alice, mia, acme):
    services.update_client(actor=mia, client=acme, version=acme.version, status="customer")
    services.update_client(actor=alice, client=acme, version=acme.version, status="customer")
    assert Client.objects.get(pk=acme.pk).version == acme.version + 1


def test_a_card_whose_owner_left_can_still_be_edited(alice, ada):
    from carte.accounts.services import deactivate_employee

    acme = services.create_client(actor=alice, name="Acme Left")
    deactivate_employee(actor=ada, employee=alice)
    updated = services.update_client(actor=ada, client=acme, version=acme.version, status="customer")
    assert (updated.status.key, updated.owner_id) == ("customer", alice.pk)
