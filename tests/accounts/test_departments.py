import pytest
from django.urls import reverse

from carte.accounts import queries, services
from carte.accounts.models import Department
from carte.core.errors import Conflict, Invalid, NotAllowed
from carte.core.models import AuditEntry


def test_admin_creates_renames_and_deletes_an_empty_department(ada, mia):
    east = services.create_department(actor=ada, name=" East ", head=mia)
    assert (east.name, east.head) == ("East", mia)
    services.update_department(actor=ada, department=east, name="Far East", head=None)
    east.refresh_from_db()
    assert (east.name, east.head) == ("Far East", None)
    services.delete_department(actor=ada, department=east)
    assert not Department.objects.filter(name="Far East").exists()
    assert list(AuditEntry.objects.order_by("id").values_list("verb", flat=True)) == ["create", "update", "delete"]


def test_department_with_members_cannot_be_deleted(ada, alice):
    north = alice.department
    with pytest.raises(Conflict, match="still has"):
        services.delete_department(actor=ada, department=north)
    assert Department.objects.filter(pk=north.pk).exists()


def test_inactive_members_count_too(ada, charlie):
    services.deactivate_employee(actor=ada, employee=charlie)
    with pytest.raises(Conflict):
        services.delete_department(actor=ada, department=charlie.department)


def test_duplicate_name_is_refused(ada, people):
    with pytest.raises(Invalid) as refusal:
        services.create_department(actor=ada, name="North")
    assert "name" in refusal.value.errors


def test_only_scope_all_manages_departments(mia, alice):
    north = alice.department
    with pytest.raises(NotAllowed):
        services.create_department(actor=mia, name="East")
    with pytest.raises(NotAllowed):
        services.update_department(actor=mia, department=north, name="Up")
    assert Department.objects.get(pk=north.pk).name == "North"


def test_list_counts_members(ada, people):
    counts = {d.name: d.member_count for d in queries.department_list(ada)}
    assert counts == {"North": 3, "South": 1}


def test_department_screens(client, ada, alice):
    client.force_login(ada)
    assert b"North" in client.get(reverse("accounts:department_list")).content
    assert client.post(reverse("accounts:department_create"), {"name": "East"}).status_code == 302
    east = Department.objects.get(name="East")
    assert client.get(reverse("accounts:department_edit", args=[east.pk])).status_code == 200
    assert client.get(reverse("accounts:department_delete", args=[east.pk])).status_code == 200
    assert client.post(reverse("accounts:department_delete", args=[east.pk])).status_code == 302
    assert not Department.objects.filter(name="East").exists()


def test_deleting_a_staffed_department_from_the_screen_says_why(client, ada, alice):
    client.force_login(ada)
    response = client.post(reverse("accounts:department_delete", args=[alice.department_id]), follow=True)
    assert "still has 3 member" in response.content.decode()


def test_seller_cannot_create_departments_on_screen(client, alice):
    client.force_login(alice)
    assert client.get(reverse("accounts:department_list")).status_code == 200
    assert client.get(reverse("accounts:department_create")).status_code == 403
