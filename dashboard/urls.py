from django.urls import path

from dashboard import plan_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("invoices/", views.invoice_list, name="invoices"),
    path("invoices/<uuid:invoice_id>/", views.invoice_detail, name="invoice"),
    path("debtors/", views.debtor_list, name="debtors"),
    path("debtors/<uuid:debtor_id>/", views.debtor_detail, name="debtor"),
    path("questions/", views.question_list, name="questions"),
    path("questions/<uuid:question_id>/", views.question_detail, name="question"),
    path(
        "questions/<uuid:question_id>/answer/", views.question_answer_view, name="question_answer"
    ),
    path("organization/switch/", views.organization_switch, name="organization_switch"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("settings/", views.organization_settings, name="settings"),
    path("users/", views.users, name="users"),
    path("language/", views.language_switch, name="language"),
    path("plans/", plan_views.plan_list, name="plans"),
    path("plans/rules/", plan_views.plan_rules, name="plan_rules"),
    path("plans/<uuid:plan_id>/", plan_views.plan_detail, name="plan"),
    path("plans/<uuid:plan_id>/approve/", plan_views.plan_approve_view, name="plan_approve"),
    path("plans/<uuid:plan_id>/reject/", plan_views.plan_reject_view, name="plan_reject"),
]
