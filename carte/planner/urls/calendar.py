"""The calendar: its views, quick create, moving a task, and the phone calendar feed."""

from django.urls import path

from carte.planner.views import calendar, feed

urlpatterns = [
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/new/", calendar.calendar_new, name="calendar_new"),
    path("calendar/tasks/<int:pk>/move/", calendar.calendar_move, name="calendar_move"),
    path("calendar/feed/", feed.feed_reset, name="calendar_feed_reset"),
    path("calendar/feed/revoke/", feed.feed_revoke, name="calendar_feed_revoke"),
    path("feed/<str:token>.ics", feed.calendar_feed, name="calendar_feed"),
]
