"""Background jobs of the accounts app: the invitation and password reset emails (run by `carte worker`)."""

from django.conf import settings
from django.core.mail import send_mail
from huey.contrib.djhuey import db_task

from carte.accounts import services
from carte.accounts.models import Employee


@db_task(retries=3, retry_delay=60)
def send_invitation(employee_id: int) -> None:
    """Email an invited employee the link to choose their password.

    Nothing is sent once they have a password (a retry after they used the link), nor to an
    employee deactivated since.
    """
    employee = Employee.objects.filter(pk=employee_id, is_active=True).first()
    if employee is None or not employee.email or employee.has_usable_password():
        return
    subject, text = services.invitation_email(employee)
    send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [employee.email])


@db_task(retries=3, retry_delay=60)
def send_password_reset(email: str) -> None:
    """Email a reset link to each active account with this address; nothing when there is none.

    Run as a job so that the reset page does the same work for a known address as for an unknown
    one (see services.request_password_reset). The link's token is made here and only mailed.
    """
    from carte.accounts.forms import PasswordResetForm  # the forms read the services, which queue this job

    form = PasswordResetForm({"email": email})
    if form.is_valid():
        form.send_links()
