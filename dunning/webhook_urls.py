"""Inbound webhooks of the dunning engine, mounted at /webhooks/."""

from django.urls import path

from dunning import webhooks

app_name = "dunning_webhooks"

urlpatterns = [
    path("email-bounce", webhooks.email_bounce_webhook, name="email_bounce"),
]
