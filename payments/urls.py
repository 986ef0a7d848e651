from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("mollie", views.mollie_webhook, name="mollie_webhook"),
]
