from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = "Evidence"

    def ready(self) -> None:
        # Register this app's Celery tasks in every process, so the outbox can publish them by name.
        from . import tasks  # noqa: F401
