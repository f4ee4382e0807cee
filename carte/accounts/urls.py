from django.urls import path

from carte.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/password/reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/tokens/", views.token_create, name="token_create"),
    path("accounts/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("settings/employees/", views.employee_list, name="employee_list"),
    path("settings/employees/new/", views.employee_create, name="employee_create"),
    path("settings/employees/<int:pk>/", views.employee_edit, name="employee_edit"),
    path("settings/employees/<int:pk>/deactivate/", views.employee_deactivate, name="employee_deactivate"),
    path("settings/employees/<int:pk>/reactivate/", views.employee_reactivate, name="employee_reactivate"),
    path("settings/employees/<int:pk>/password/", views.employee_password, name="employee_password"),
    path("settings/departments/", views.department_list, name="department_list"),
    path("settings/departments/new/", views.department_create, name="department_create"),
    path("settings/departments/<int:pk>/", views.department_edit, name="department_edit"),
    path("settings/departments/<int:pk>/delete/", views.department_delete, name="department_delete"),
    path("settings/roles/", views.role_list, name="role_list"),
    path("settings/roles/new/", views.role_create, name="role_create"),
    path("settings/roles/<int:pk>/", views.role_edit, name="role_edit"),
    path("settings/roles/<int:pk>/delete/", views.role_delete, name="role_delete"),
    path("settings/audit/", views.audit_list, name="audit_list"),
]
