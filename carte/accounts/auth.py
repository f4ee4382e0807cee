"""API authentication by personal token: `Authorization: Bearer <token>`."""

from ninja.security import HttpBearer

from carte.accounts import services


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        employee = services.employee_for_token(token)
        if employee is not None:
            request.user = employee
        return employee
