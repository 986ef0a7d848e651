from django.urls import include, path

from dashboard import bank_views, dunning_views, forecast_views, plan_views, response_views, run_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("invoices/", views.invoice_list, name="invoices"),
    path("invoices/<uuid:invoice_id>/", views.invoice_detail, name="invoice"),
    path("debtors/", views.debtor_list, name="debtors"),
    path("debtors/<uuid:debtor_id>/", views.debtor_detail, name="debtor"),
    path("debtors/<uuid:debtor_id>/contact/", dunning_views.debtor_contact, name="debtor_contact"),
    path("", include("dashboard.hold_urls")),
    path("questions/", views.question_list, name="questions"),
    path("questions/<uuid:question_id>/", views.question_detail, name="question"),
    path(
        "questions/<uuid:question_id>/answer/", views.question_answer_view, name="question_answer"
    ),
    path("risks/", forecast_views.risk_list, name="risks"),
    path("risks/<uuid:invoice_id>/call/", forecast_views.risk_call, name="risk_call"),
    path("forecasts/", forecast_views.forecast_charts, name="forecasts"),
    path("calls/", dunning_views.phone_worklist, name="calls"),
    path("calls/<uuid:task_id>/outcome/", dunning_views.phone_task_outcome, name="call_outcome"),
    path("letters/", dunning_views.letter_batch_list, name="letters"),
    path("letters/<uuid:batch_id>/pdf/", dunning_views.letter_batch_pdf, name="letter_batch_pdf"),
    path("letters/<uuid:batch_id>/posted/", dunning_views.letter_batch_posting, name="letter_batch_posting"),
    path("texts/", dunning_views.sms_outbox, name="texts"),
    path("bank/", bank_views.bank_statements, name="bank_statements"),
    path("bank/statements/<uuid:statement_id>/", bank_views.bank_statement_detail, name="bank_statement"),
    path("bank/reconciliation/", bank_views.reconciliation, name="reconciliation"),
    path("bank/entries/<uuid:entry_id>/confirm/", bank_views.bank_entry_confirm_view, name="bank_entry_confirm"),
    path("bank/entries/<uuid:entry_id>/reverse/", bank_views.bank_entry_reverse_view, name="bank_entry_reverse"),
    path("bank/entries/<uuid:entry_id>/dismiss/", bank_views.bank_entry_dismiss_view, name="bank_entry_dismiss"),
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
    path("dunning/upcoming/", run_views.dunning_upcoming, name="dunning_upcoming"),
    path("dunning/runs/", run_views.dunning_runs, name="dunning_runs"),
    path("dunning/runs/<uuid:run_id>/", run_views.dunning_run_detail, name="dunning_run"),
    path("credit/", run_views.credit_worklist, name="credit_worklist"),
    path("credit/<uuid:credit_id>/allocate/", run_views.credit_allocate_view, name="credit_allocate"),
    path("workflows/", include("dashboard.workflow_urls")),
    path("plans/", plan_views.plan_list, name="plans"),
    path("plans/rules/", plan_views.plan_rules, name="plan_rules"),
    path("plans/<uuid:plan_id>/", plan_views.plan_detail, name="plan"),
    path("plans/<uuid:plan_id>/approve/", plan_views.plan_approve_view, name="plan_approve"),
    path("plans/<uuid:plan_id>/reject/", plan_views.plan_reject_view, name="plan_reject"),
]
