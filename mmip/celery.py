import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mmip.settings")

app = Celery("mmip")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
