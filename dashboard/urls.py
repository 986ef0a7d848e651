from django.urls import path

from dashboard import response_views, views

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
    path("disputes/<uuid:dispute_id>/resolve/", response_views.dispute_resolve_view, name="dispute_resolve"),
    path(
        "disputes/<uuid:dispute_id>/attachments/<uuid:attachment_id>/",
        response_views.dispute_attachment,
        name="dispute_attachment",
    ),
    path("promises/<uuid:promise_id>/answer/", response_views.promise_answer_view, name="promise_answer"),
    path("chargebacks/", response_views.chargeback_list, name="chargebacks"),
    path(
        "debtors/<uuid:debtor_id>/portal-link/rotate/",
        response_views.portal_link_rotate_view,
        name="portal_link_rotate",
    ),
    path(
        "debtors/<uuid:debtor_id>/portal-link/expire/",
        response_views.portal_link_expire_view,
        name="portal_link_expire",
    ),
    path("organization/switch/", views.organization_switch, name="organization_switch"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("settings/", views.organization_settings, name="settings"),
    path("users/", views.users, name="users"),
    path("language/", views.language_switch, name="language"),
]
