from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("<str:token>/", views.portal_home, name="home"),
    path("<str:token>/pay", views.pay, name="pay"),
    path("<str:token>/questions", views.question_create, name="question_create"),
    path("<str:token>/invoices/<uuid:invoice_id>/pdf", views.invoice_pdf, name="invoice_pdf"),
    path(
        "<str:token>/payments/<uuid:payment_id>/return", views.payment_return, name="payment_return"
    ),
]
