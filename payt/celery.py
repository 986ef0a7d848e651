"""Celery application; tasks live in each app's tasks.py, payment plan tasks in payments/plan_tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "payt.settings")

app = Celery("payt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(related_name="plan_tasks")
