"""The accounts screens: parse the request, call one query or service, render. No rules here."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic.edit import FormView

from carte.accounts import forms, queries, services
from carte.accounts.models import Employee
from carte.core import policy
from carte.core.errors import Conflict, Invalid
from carte.core.htmx import show_refusal
from carte.core.listing import page_of
from carte.core.models import changes_of

Action = policy.Action

# ---------------------------------------------------------------------------------------------
# Login, logout, passwords
# ---------------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = forms.LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        services.record_login(employee=form.get_user(), address=forms.client_address(self.request))
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.record_logout(employee=request.user, address=forms.client_address(request))
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        services.set_password(actor=self.request.user, employee=form.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Your password has been changed."))
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetView(auth_views.PasswordResetView):
    """The link is mailed by a job (see services.request_password_reset), within hourly limits."""

    template_name = "accounts/password_reset.html"
    form_class = forms.PasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        services.request_password_reset(email=form.cleaned_data["email"], address=forms.client_address(self.request))
        # The same answer whether or not the address belongs to anyone, and whether or not it was sent.
        return FormView.form_valid(self, form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    token_generator = default_token_generator

    def form_valid(self, form):
        password = form.cleaned_data["new_password1"]
        services.set_password(actor=self.user, employee=self.user, password=password, end_access=True)
        # The reset ended every session of the employee, this browser's too if it was signed in:
        # start it afresh (this also forgets the reset token it kept).
        self.request.session.flush()
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# ---------------------------------------------------------------------------------------------
# Profile and tokens
# ---------------------------------------------------------------------------------------------


def _render_profile(request, *, form=None, token_form=None, new_token=None, status=200):
    employee = request.user
    context = {
        "form": form or forms.ProfileForm(initial={name: getattr(employee, name) for name in services.PROFILE_FIELDS}),
        "token_form": token_form or forms.TokenForm(),
        "tokens": queries.tokens_of(employee),
        "new_token": new_token,
    }
    return render(request, "accounts/profile.html", context, status=status)


def profile(request):
    if request.method != "POST":
        return _render_profile(request)
    form = forms.ProfileForm(request.POST)
    if form.is_valid():
        try:
            services.update_profile(actor=request.user, **form.cleaned_data)
        except (Invalid, Conflict) as error:
            show_refusal(form, error)
        else:
            messages.success(request, _("Your profile has been saved."))
            return redirect("accounts:profile")
    return _render_profile(request, form=form, status=400)


@require_POST
def token_create(request):
    """Answers with the page itself, not a redirect: the token is shown this once."""
    token_form = forms.TokenForm(request.POST)
    if token_form.is_valid():
        try:
            token, plain = services.create_token(actor=request.user, name=token_form.cleaned_data["name"])
        except (Invalid, Conflict) as error:
            show_refusal(token_form, error)
        else:
            return _render_profile(request, new_token={"record": token, "value": plain})
    return _render_profile(request, token_form=token_form, status=400)


@require_POST
def token_revoke(request, pk):
    token = services.revoke_token(actor=request.user, token_id=pk)
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect("accounts:profile")


# ---------------------------------------------------------------------------------------------
# Employees
# ---------------------------------------------------------------------------------------------


def employee_list(request):
    filters = forms.EmployeeFilterForm(request.GET or None)
    page = page_of(queries.employee_list(request.user, **filters.filters()), request.GET.get("page"))
    context = {
        "filters": filters,
        "page": page,
        "may_create": policy.can(request.user, Action.CREATE, Employee),
    }
    return render(request, "accounts/employee_list.html", context)


def _form_page(request, form, save, *, template: str, done: str, context=None, saved: str = ""):
    """GET shows the form; a valid POST calls `save(form)`, says `saved` (with the saved record as
    %(name)s) and goes to the page named `done`; a service's refusal shows on the form (status 400)."""
    if request.method == "POST" and form.is_valid():
        try:
            record = save(form)
        except (Invalid, Conflict) as error:
            show_refusal(form, error)
        else:
            if saved:
                messages.success(request, saved % {"name": record})
            return redirect(done)
    return render(request, template, {"form": form, **(context or {})}, status=400 if form.errors else 200)


def employee_create(request):
    policy.require(request.user, Action.CREATE, Employee)

    def create(form):
        values = {name: value for name, value in form.cleaned_data.items() if name != "password_again"}
        return services.create_employee(actor=request.user, **values)

    form = forms.EmployeeCreateForm(request.POST or None, actor=request.user)
    return _form_page(
        request,
        form,
        create,
        template="accounts/employee_form.html",
        done="accounts:employee_list",
        saved=_("%(name)s has been added."),
    )


def employee_edit(request, pk):
    employee = queries.get_employee_for(request.user, pk, Action.EDIT)

    form = forms.EmployeeForm(
        request.POST or None, initial=forms.EmployeeForm.initial_for(employee), actor=request.user
    )
    context = {
        "employee": employee,
        "may_deactivate": services.may_set_department_and_activity(request.user) and employee.pk != request.user.pk,
    }
    return _form_page(
        request,
        form,
        lambda form: services.update_employee(actor=request.user, employee=employee, **form.cleaned_data),
        template="accounts/employee_form.html",
        done="accounts:employee_list",
        context=context,
        saved=_("%(name)s has been saved."),
    )


@require_POST
def employee_deactivate(request, pk):
    employee = queries.get_employee_for(request.user, pk, Action.EDIT)
    try:
        services.deactivate_employee(actor=request.user, employee=employee)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s can no longer log in.") % {"name": employee})
    return redirect("accounts:employee_edit", pk=employee.pk)


def employee_password(request, pk):
    employee = queries.get_employee_for(request.user, pk, Action.EDIT)
    return _form_page(
        request,
        forms.EmployeePasswordForm(request.POST or None),
        lambda form: services.reset_employee_password(
            actor=request.user, employee=employee, password=form.cleaned_data["password"]
        ),
        template="accounts/employee_password.html",
        done="accounts:employee_list",
        context={"employee": employee},
        saved=_("%(name)s has a new password and has been logged out everywhere."),
    )


@require_POST
def employee_reactivate(request, pk):
    employee = queries.get_employee_for(request.user, pk, Action.EDIT)
    services.reactivate_employee(actor=request.user, employee=employee)
    messages.success(request, _("%(name)s can log in again.") % {"name": employee})
    return redirect("accounts:employee_edit", pk=employee.pk)


# ---------------------------------------------------------------------------------------------
# Departments
# ---------------------------------------------------------------------------------------------


def department_list(request):
    departments = queries.department_list(request.user, ordering=request.GET.get("ordering"))
    context = {
        "departments": departments,
        "may_create": policy.can_in_module(request.user, "departments", Action.CREATE),
        "may_edit": policy.can_in_module(request.user, "departments", Action.EDIT),
    }
    return render(request, "accounts/department_list.html", context)


def department_create(request):
    policy.require_in_module(request.user, "departments", Action.CREATE)
    form = forms.DepartmentForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda form: services.create_department(actor=request.user, **form.cleaned_data),
        template="accounts/department_form.html",
        done="accounts:department_list",
    )


def department_edit(request, pk):
    department = queries.get_department_for(request.user, pk, Action.EDIT)
    form = forms.DepartmentForm(request.POST or None, initial={"name": department.name, "head": department.head})
    return _form_page(
        request,
        form,
        lambda form: services.update_department(actor=request.user, department=department, **form.cleaned_data),
        template="accounts/department_form.html",
        done="accounts:department_list",
        context={"department": department},
    )


def department_delete(request, pk):
    department = queries.get_department_for(request.user, pk, Action.DELETE)
    return _delete_page(
        request,
        department,
        lambda: services.delete_department(actor=request.user, department=department),
        "accounts:department_list",
    )


def _delete_page(request, record, delete, list_name: str):
    """GET asks to confirm; POST deletes, or says why it cannot (Conflict), and goes back to the list."""
    if request.method != "POST":
        return render(request, "accounts/confirm_delete.html", {"record": record, "cancel": reverse(list_name)})
    try:
        delete()
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("“%(name)s” has been deleted.") % {"name": record})
    return redirect(list_name)


# ---------------------------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------------------------


def role_list(request):
    roles = queries.role_list(request.user, ordering=request.GET.get("ordering"))
    context = {"roles": roles, "may_create": policy.can_in_module(request.user, "roles", Action.CREATE)}
    return render(request, "accounts/role_list.html", context)


def _role_values(form) -> dict:
    return {"name": form.cleaned_data["name"], "description": form.cleaned_data["description"], "rights": form.rights()}


def role_create(request):
    policy.require_in_module(request.user, "roles", Action.CREATE)
    form = forms.RoleForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda form: services.create_role(actor=request.user, **_role_values(form)),
        template="accounts/role_form.html",
        done="accounts:role_list",
        context={"actions": Action.choices},
    )


def role_edit(request, pk):
    role = queries.get_role_for(request.user, pk, Action.EDIT)

    form = forms.RoleForm(request.POST or None, initial=forms.RoleForm.initial_for(role))
    return _form_page(
        request,
        form,
        lambda form: services.update_role(actor=request.user, role=role, **_role_values(form)),
        template="accounts/role_form.html",
        done="accounts:role_list",
        context={"role": role, "actions": Action.choices},
        saved=_("The role “%(name)s” has been saved."),
    )


def role_delete(request, pk):
    role = queries.get_role_for(request.user, pk, Action.DELETE)
    return _delete_page(
        request, role, lambda: services.delete_role(actor=request.user, role=role), "accounts:role_list"
    )


# ---------------------------------------------------------------------------------------------
# Audit log
# ---------------------------------------------------------------------------------------------


def audit_list(request):
    filters = forms.AuditFilterForm(request.GET or None)
    page = page_of(queries.audit_entries_for(request.user, **filters.filters()), request.GET.get("page"))
    rows = zip(page.items, changes_of(page.items), strict=True)  # custom field labels in one query per page
    context = {"filters": filters, "page": page, "rows": rows}
    return render(request, "accounts/audit_list.html", context)
