import pytest

from carte.accounts.models import Right, Role
from carte.core.testing import EmployeeFactory


@pytest.fixture
def hr(people):
    """Hugo keeps the staff list: every right on employees, none on roles."""
    role = Role.objects.create(name="HR")
    Right.objects.bulk_create(
        Right(role=role, module="employees", action=action, scope="all") for action in ("view", "create", "edit")
    )
    return EmployeeFactory(username="hugo", first_name="Hugo", last_name="Staff", role=role)
