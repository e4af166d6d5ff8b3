"""Factories and the small cast of named characters the tests use."""

import datetime as dt
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from evidence import models

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        if create:
            user.save()
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )

    @factory.post_generation
    def groups(user, create, extracted, **kwargs):
        if create and extracted:
            user.groups.add(*Group.objects.filter(name__in=extracted))
            if set(extracted) & {"Reviewer", "Lead", "Administrator"}:
                user.is_staff = True
                user.save(update_fields=["is_staff"])

    @factory.post_generation
    def second_factor(user, create, extracted, **kwargs):
        """Staff and holders of the confidential-evidence permission have set up an authenticator app, as
        the site requires before they see anything (evidence.signin); ``second_factor=False`` makes one who
        has not yet."""
        if not create:
            return
        wanted = extracted if extracted is not None else (user.is_staff or user.has_perm("evidence.view_confidential"))
        if wanted:
            from allauth.mfa.models import Authenticator
            from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(user, generate_totp_secret())


def component(slug: str = "skills") -> models.EcosystemComponent:
    return models.EcosystemComponent.objects.get(slug=slug)


def region(slug: str = "north-west") -> models.Region:
    return models.Region.objects.get(slug=slug)


def organisation_type(slug: str = "large-pharma") -> models.OrganisationType:
    return models.OrganisationType.objects.get(slug=slug)


def indicator(slug: str = "manufacturing-jobs") -> models.Indicator:
    return models.Indicator.objects.get(slug=slug)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation

    name = factory.Sequence(lambda n: f"Organisation {n} Ltd")
    organisation_type = factory.LazyFunction(organisation_type)
    size_band = models.Organisation.SizeBand.LARGE
    region = factory.LazyFunction(region)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)


class ConsultationFactory(factory.django.DjangoModelFactory):
    """An open consultation: opened a month ago, closes in five months."""

    class Meta:
        model = models.Consultation
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Call for evidence {n}")
    slug = factory.Sequence(lambda n: f"call-{n}")
    summary = "Tell us what would make the UK a world-leading place to manufacture medicines."
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=150))

    @factory.post_generation
    def with_components(consultation, create, extracted, **kwargs):
        if create:
            consultation.components.set(models.EcosystemComponent.objects.active())

    @factory.post_generation
    def with_questions(consultation, create, extracted, **kwargs):
        if create and extracted is not False:
            for order, comp in enumerate(models.EcosystemComponent.objects.active()[:3], start=1):
                models.Question.objects.create(
                    consultation=consultation,
                    component=comp,
                    order=order,
                    text=f"What evidence do you have on {comp.name.lower()}?",
                    word_limit=200,
                )


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Submission

    consultation = factory.SubFactory(ConsultationFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    created_by = factory.SubFactory(UserFactory)
    summary = "We employ 400 people in Macclesfield and struggle to recruit process engineers."
    proposals = "Fund apprenticeships in sterile manufacturing."
    confidentiality = models.Submission.Confidentiality.PUBLISHABLE  # a draft ready to submit


class SubmittedSubmissionFactory(SubmissionFactory):
    status = models.Submission.Status.SUBMITTED
    reference_number = factory.Sequence(lambda n: n + 1)
    reference = factory.LazyAttribute(lambda s: f"MMIP-{s.reference_number:04d}")
    submitted_at = factory.LazyFunction(timezone.now)
    first_submitted_at = factory.LazyAttribute(lambda s: s.submitted_at)
    version = 1


class DataPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DataPoint

    submission = factory.SubFactory(SubmissionFactory)
    indicator = factory.LazyFunction(indicator)
    value = Decimal("400")
    unit = "jobs"
    period_start = 2023
    geography = factory.LazyFunction(region)
    source = "Company annual report 2023"
