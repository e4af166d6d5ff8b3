from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations"

    def ready(self) -> None:
        # Register this app's Celery tasks in every process, so the outbox can publish them by name.
        from . import tasks  # noqa: F401
