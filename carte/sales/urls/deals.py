"""Deals (board, list, card, form, lines, moves) and Settings → Pipelines."""

from django.urls import path

from carte.sales.views import deals, pipelines

urlpatterns = [
    path("deals/", deals.deal_list, name="deal_list"),
    path("deals/board/", deals.deal_board, name="deal_board"),
    path("deals/new/", deals.deal_create, name="deal_create"),
    path("deals/<int:pk>/", deals.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/edit/", deals.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/delete/", deals.deal_delete, name="deal_delete"),
    path("deals/<int:pk>/move/", deals.deal_move, name="deal_move"),
    path("deals/<int:pk>/lines/", deals.deal_lines, name="deal_lines"),
    path("settings/pipelines/", pipelines.pipeline_list, name="pipeline_list"),
    path("settings/pipelines/new/", pipelines.pipeline_create, name="pipeline_create"),
    path("settings/pipelines/<int:pk>/", pipelines.pipeline_edit, name="pipeline_edit"),
    path("settings/pipelines/<int:pk>/archive/", pipelines.pipeline_archive, name="pipeline_archive"),
    path("settings/pipelines/<int:pk>/restore/", pipelines.pipeline_restore, name="pipeline_restore"),
    path("settings/pipelines/<int:pk>/delete/", pipelines.pipeline_delete, name="pipeline_delete"),
    path("settings/pipelines/<int:pk>/move/", pipelines.pipeline_move, name="pipeline_move"),
    path("settings/pipelines/<int:pk>/stages/new/", pipelines.stage_create, name="stage_create"),
    path("settings/stages/<int:pk>/", pipelines.stage_edit, name="stage_edit"),
    path("settings/stages/<int:pk>/move/", pipelines.stage_move, name="stage_move"),
    path("settings/stages/<int:pk>/delete/", pipelines.stage_delete, name="stage_delete"),
]
