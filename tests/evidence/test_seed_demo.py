"""seed_demo makes realistic, deterministic demo data and can be run again safely."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from evidence import demo
from evidence.models import Answer, ComponentTag, DataPoint, Excerpt, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development(settings):
    # seed_demo is a development command (pytest runs with DEBUG off, as production does).
    settings.DEBUG = True


def _signature():
    return list(Submission.objects.order_by("reference_number", "pk").values_list("reference", "summary", "status"))


def test_running_it_again_tops_up_without_duplicating():
    call_command("seed_demo", submissions=10, seed=1, verbosity=0)
    first = _signature()
    call_command("seed_demo", submissions=10, seed=1, verbosity=0)
    assert _signature() == first
    call_command("seed_demo", submissions=40, seed=1, verbosity=0)
    assert Submission.objects.count() == 40
    assert [s for s in _signature() if s in first] == first


def test_references_are_gap_free_in_order_of_submission():
    call_command("seed_demo", submissions=60, seed=3, verbosity=0)
    numbers = sorted(Submission.objects.exclude(reference="").values_list("reference_number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    consultation = Submission.objects.first().consultation
    assert consultation.last_reference_number == len(numbers)
    ordered = list(
        Submission.objects.exclude(reference="")
        .order_by("reference_number")
        .values_list("first_submitted_at", flat=True)
    )
    assert ordered == sorted(ordered)


def test_every_data_point_unit_fits_its_indicator():
    call_command("seed_demo", submissions=80, seed=2, verbosity=0)
    points = DataPoint.objects.select_related("indicator")
    assert points.exists()
    for point in points:
        assert point.indicator is None or point.indicator.fits_unit(point.unit), point


def test_reviewed_share_with_tags_grades_and_excerpts_quoted_from_answers():
    call_command("seed_demo", submissions=100, seed=1, reviewed=0.5, verbosity=0)
    submitted = Submission.objects.filter(status="submitted")
    touched = submitted.exclude(review_state="new").count()
    assert touched == round(submitted.count() * 0.5)
    assert ComponentTag.objects.filter(round="first").exists()
    assert set(ComponentTag.objects.values_list("grade", flat=True)) <= {"A", "B", "C", "D"}
    for excerpt in Excerpt.objects.select_related("answer"):
        assert excerpt.text in excerpt.answer.text
    assert ComponentTag.objects.filter(round="second").exists(), "some responses get a second review"
    assert not Submission.objects.filter(status="draft").exclude(review_state="new").exists()


def test_the_same_seed_gives_the_same_answers():
    call_command("seed_demo", submissions=15, seed=7, verbosity=0)
    first = list(
        Answer.objects.order_by("submission__reference_number", "question__order").values_list("text", flat=True)
    )
    Submission.objects.all().delete()
    get_user_model().objects.filter(username__startswith="demo-").delete()
    call_command("seed_demo", submissions=15, seed=7, verbosity=0)
    again = list(
        Answer.objects.order_by("submission__reference_number", "question__order").values_list("text", flat=True)
    )
    assert again == first


def test_demo_accounts_can_sign_in_and_are_printed(capsys):
    call_command("seed_demo", submissions=0)
    out = capsys.readouterr().out
    for email, *_ in demo.DEMO_ACCOUNTS:
        assert email in out
        assert Client().login(username=email, password=demo.DEMO_PASSWORD)
    assert demo.DEMO_PASSWORD in out


def test_bad_arguments_are_refused_with_a_clear_message():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="between 0 and 1"):
        call_command("seed_demo", submissions=1, reviewed=1.5)


def test_refused_in_production_and_names_the_risk(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="password is public") as refused:
        call_command("seed_demo", submissions=1, verbosity=0)
    assert "--i-understand-demo-passwords-are-public" in str(refused.value)
    assert not get_user_model().objects.filter(email__endswith="@demo.mmip").exists()
    assert not Submission.objects.exists()


def test_with_the_flag_in_production_it_never_creates_the_superuser(settings):
    settings.DEBUG = False
    call_command("seed_demo", submissions=2, i_understand_demo_passwords_are_public=True, verbosity=0)
    users = get_user_model().objects.filter(email__endswith="@demo.mmip")
    assert users.filter(email="lead@demo.mmip").exists()
    assert not users.filter(is_superuser=True).exists()
    assert not users.filter(email="admin@demo.mmip").exists()
