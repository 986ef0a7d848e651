from django.urls import path

from dunning import views

app_name = "dunning"

urlpatterns = [
    path("email-bounce", views.email_bounce_webhook, name="email_bounce_webhook"),
]
