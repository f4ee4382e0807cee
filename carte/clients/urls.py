from django.urls import path

from carte.clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("<int:pk>/", views.client_card, name="card"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:pk>/delete/", views.client_delete, name="delete"),
    path("<int:pk>/notes/", views.note_add, name="note_add"),
    path("<int:pk>/timeline/", views.client_timeline, name="timeline"),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/remove/", views.contact_remove, name="contact_remove"),
    path("<int:pk>/tabs/<slug:key>/", views.client_tab, name="tab"),
]
