"""The task screens: list, form, page, completing, cancelling, deleting, and the form's pickers."""

from django.urls import path

from carte.planner.views import tasks

urlpatterns = [
    path("tasks/", tasks.task_list, name="task_list"),
    path("tasks/new/", tasks.task_create, name="task_create"),
    path("tasks/clients/", tasks.task_client_choices, name="task_client_choices"),
    path("tasks/deals/", tasks.task_deal_choices, name="task_deal_choices"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", tasks.task_edit, name="task_edit"),
    path("tasks/<int:pk>/complete/", tasks.task_complete, name="task_complete"),
    path("tasks/<int:pk>/cancel/", tasks.task_cancel, name="task_cancel"),
    path("tasks/<int:pk>/delete/", tasks.task_delete, name="task_delete"),
]
