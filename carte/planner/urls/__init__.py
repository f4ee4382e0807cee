"""The planner's screens: the task list and forms, the calendar and the calendar feed."""

from carte.planner.urls import calendar, tasks

app_name = "planner"
urlpatterns = [*tasks.urlpatterns, *calendar.urlpatterns]
