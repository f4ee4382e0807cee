"""API authentication by personal token: `Authorization: Bearer <token>`."""

from ninja.security import HttpBearer

from carte.accounts import services
from carte.accounts.middleware import use_preferences_of


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        employee = services.employee_for_token(token)
        if employee is not None:
            request.user = employee
            use_preferences_of(employee, request)
        return employee
