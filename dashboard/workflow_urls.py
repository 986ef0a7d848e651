"""URLs of the workflow editor, included under /workflows/ in the dashboard's namespace."""

from django.urls import path

from dashboard import workflow_views as views

urlpatterns = [
    path("", views.workflow_list, name="workflows"),
    path("new/", views.workflow_new, name="workflow_new"),
    path("<uuid:workflow_id>/", views.workflow_detail, name="workflow"),
    path("<uuid:workflow_id>/default/", views.workflow_make_default, name="workflow_make_default"),
    path("<uuid:workflow_id>/delete/", views.workflow_remove, name="workflow_delete"),
    path("<uuid:workflow_id>/steps/", views.workflow_step_add, name="workflow_step_add"),
    path("steps/<uuid:step_id>/", views.workflow_step, name="workflow_step"),
    path("steps/<uuid:step_id>/move/", views.workflow_step_move, name="workflow_step_move"),
    path("steps/<uuid:step_id>/delete/", views.workflow_step_remove, name="workflow_step_delete"),
    path("steps/<uuid:step_id>/preview/", views.workflow_step_preview, name="workflow_step_preview"),
    path("steps/<uuid:step_id>/preview.pdf", views.workflow_step_preview_pdf, name="workflow_step_preview_pdf"),
    path("texts/", views.template_text_list, name="template_texts"),
    path("texts/<str:template>/<str:language>/", views.template_text_edit, name="template_text"),
    path("texts/<str:template>/<str:language>/reset/", views.template_text_remove, name="template_text_reset"),
    path("texts/<str:template>/<str:language>/preview/", views.template_text_preview, name="template_text_preview"),
]
