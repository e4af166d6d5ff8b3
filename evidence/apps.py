from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = "Evidence"

    def ready(self) -> None:
        # Register this app's Celery tasks in every process, so the outbox can publish them by name.
        # The second-factor rule (and its system check); decide again when an authenticator changes.
        from allauth.mfa import signals as mfa_signals
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save

        from . import (
            checks,  # noqa: F401  (the deployment checks)
            signin,
            summaries,
            tasks,  # noqa: F401
        )
        from .models import EcosystemComponent, Indicator, Question, Region

        def forget(sender, request=None, **kwargs):
            signin.forget_decision(request)

        def decide(sender, request=None, user=None, **kwargs):
            if request is not None and hasattr(request, "session"):
                signin.decide(request, user)

        user_logged_in.connect(decide, weak=False, dispatch_uid="mmip-mfa-decide")
        mfa_signals.authenticator_added.connect(forget, weak=False, dispatch_uid="mmip-mfa-added")
        mfa_signals.authenticator_removed.connect(forget, weak=False, dispatch_uid="mmip-mfa-removed")
        # The wording a response's cached summary shows (summaries.py): a change renders every summary anew.
        for model in (Question, EcosystemComponent, Indicator, Region):
            for signal in (post_save, post_delete):
                signal.connect(
                    summaries.catalogue_changed,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"mmip-summary-{signal is post_save}-{model.__name__}",
                )
