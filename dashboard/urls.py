from django.urls import path

from dashboard import dunning_views, run_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("invoices/", views.invoice_list, name="invoices"),
    path("invoices/<uuid:invoice_id>/", views.invoice_detail, name="invoice"),
    path("debtors/", views.debtor_list, name="debtors"),
    path("debtors/<uuid:debtor_id>/", views.debtor_detail, name="debtor"),
    path("debtors/<uuid:debtor_id>/contact/", dunning_views.debtor_contact, name="debtor_contact"),
    path("questions/", views.question_list, name="questions"),
    path("questions/<uuid:question_id>/", views.question_detail, name="question"),
    path(
        "questions/<uuid:question_id>/answer/", views.question_answer_view, name="question_answer"
    ),
    path("calls/", dunning_views.phone_worklist, name="calls"),
    path("calls/<uuid:task_id>/outcome/", dunning_views.phone_task_outcome, name="call_outcome"),
    path("letters/", dunning_views.letter_batch_list, name="letters"),
    path("letters/<uuid:batch_id>/pdf/", dunning_views.letter_batch_pdf, name="letter_batch_pdf"),
    path("letters/<uuid:batch_id>/posted/", dunning_views.letter_batch_posting, name="letter_batch_posting"),
    path("texts/", dunning_views.sms_outbox, name="texts"),
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
]
