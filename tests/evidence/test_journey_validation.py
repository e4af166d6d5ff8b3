"""Every rule of the response's sections, checked on the server, with field-specific messages."""

from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from evidence import services
from evidence.forms import StrictDecimalField
from evidence.models import Answer, DataPoint, Submission
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(submitter, consultation):
    return services.submission_start(consultation=consultation, user=submitter)


def url(name, submission, *args):
    return reverse(f"evidence:{name}", args=[submission.public_id, *args])


# --- Numbers ---------------------------------------------------------------------------------------------


def parse_number(raw: str):
    return StrictDecimalField().clean(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("£400", Decimal("400")),
        ("1 200", Decimal("1200")),
        ("1,200", Decimal("1200")),
        ("1200.5", Decimal("1200.5")),
        ("  -3.25 ", Decimal("-3.25")),
        ("1,234,567.8901", Decimal("1234567.8901")),
        ("0", Decimal("0")),
    ],
)
def test_numbers_as_people_write_them_are_accepted(raw, expected):
    assert parse_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("12abc", "Enter the value as a number"),
        ("NaN", "Enter the value as a number"),
        ("inf", "Enter the value as a number"),
        ("-Infinity", "Enter the value as a number"),
        ("1e6", "Enter the value as a number"),
        ("1,20", "Enter the value as a number"),
        ("12%", "put the unit in the unit box"),
        ("", "This field is required."),
        ("1.23456", "at most four decimal places"),
        ("1,000,000,000,000,000", "too large"),
    ],
)
def test_malformed_numbers_are_refused_with_a_clear_message(raw, message):
    with pytest.raises(forms.ValidationError) as caught:
        parse_number(raw)
    assert message in caught.value.messages[0]


# --- Data points -----------------------------------------------------------------------------------------


def data_point_post(**overrides):
    data = {
        "indicator": factories.indicator("manufacturing-jobs").pk,
        "other_indicator": "",
        "value": "400",
        "unit": "jobs",
        "period_start": "2023",
        "period_end": "",
        "geography": factories.region().pk,
        "source": "Annual report 2023",
        "notes": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"value": "12abc"}, "value", "Enter the value as a number"),
        ({"value": "nan"}, "value", "Enter the value as a number"),
        ({"value": ""}, "value", "This field is required"),
        ({"unit": "tonnes"}, "unit", "“tonnes” does not fit Medicines manufacturing jobs"),
        ({"period_start": "1850"}, "period_start", "greater than or equal to 1950"),
        ({"period_start": "2300"}, "period_start", "or earlier"),
        ({"period_start": "2020", "period_end": "2019"}, "period_end", "cannot end before it starts"),
        ({"source": ""}, "source", "This field is required"),
        ({"geography": ""}, "geography", "This field is required"),
        ({"indicator": ""}, "indicator", "Choose an indicator, or name the measure"),
        ({"other_indicator": "Jobs in Wales"}, "other_indicator", "not both"),
    ],
)
def test_data_point_rules(submitter_client, draft, overrides, field, message):
    response = submitter_client.post(url("section_data_points", draft), data_point_post(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    page = response.content.decode()
    assert "There is a problem" in page and f'href="#id_{field}"' in page
    assert not DataPoint.objects.exists()


def test_a_unit_that_fits_the_indicator_in_another_spelling_is_accepted(submitter_client, draft):
    response = submitter_client.post(
        url("section_data_points", draft),
        data_point_post(
            indicator=factories.indicator("capital-investment").pk, unit="GBP million a year", value="1,200"
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    point = draft.data_points.get()
    assert point.value == Decimal("1200")


def test_a_named_other_measure_needs_no_catalogue_unit(submitter_client, draft):
    response = submitter_client.post(
        url("section_data_points", draft),
        data_point_post(indicator="", other_indicator="Apprentices trained", unit="people", value="35"),
    )
    assert response.status_code == 302
    assert draft.data_points.get().indicator_name == "Apprentices trained"


def test_data_points_can_be_changed_and_deleted(submitter_client, draft):
    point = factories.DataPointFactory(submission=draft)
    edit = url("data_point_edit", draft, point.pk)
    assert 'value="400"' in submitter_client.get(edit).content.decode()
    response = submitter_client.post(edit, data_point_post(value="1,250.5"))
    assert response.status_code == 302
    point.refresh_from_db()
    assert point.value == Decimal("1250.5")
    assert submitter_client.post(url("data_point_delete", draft, point.pk)).status_code == 302
    assert not DataPoint.objects.exists()


def test_the_service_checks_units_too(submitter, draft):
    point = DataPoint(
        indicator=factories.indicator("manufacturing-jobs"),
        value=Decimal(5),
        unit="kg",
        period_start=2020,
        geography=factories.region(),
        source="x",
    )
    with pytest.raises(ValidationError) as caught:
        services.data_point_save(submission=draft, by=submitter, data_point=point)
    assert "“kg” does not fit Medicines manufacturing jobs" in caught.value.message_dict["unit"][0]


# --- Answers ---------------------------------------------------------------------------------------------


def test_an_answer_over_the_word_limit_is_refused_with_the_count(submitter_client, draft, consultation):
    first, second = consultation.questions.all()[:2]
    response = submitter_client.post(
        url("section_answers", draft),
        {f"q{first.pk}": "word " * 205, f"q{second.pk}": "A fine answer."},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "This answer has 205 words; the limit is 200." in page
    assert f'href="#id_q{first.pk}"' in page
    # Nothing half-saved: the valid answer beside it was not stored either, and the text is kept.
    assert not Answer.objects.exists()
    assert "A fine answer." in page


def test_answers_are_saved_changed_and_cleared(submitter_client, draft, consultation):
    question = consultation.questions.first()
    field = f"q{question.pk}"
    submitter_client.post(url("section_answers", draft), {field: "First go."})
    assert Answer.objects.get().text == "First go."
    submitter_client.post(url("section_answers", draft), {field: "Second go."})
    assert Answer.objects.get().text == "Second go."
    submitter_client.post(url("section_answers", draft), {field: "  "})
    assert not Answer.objects.exists()


def test_the_service_enforces_word_limits(submitter, draft, consultation):
    question = consultation.questions.first()
    with pytest.raises(ValidationError, match="the limit is 200"):
        services.answers_save(submission=draft, by=submitter, answers={question.pk: "w " * 201})


def test_the_summary_is_required_and_limited(submitter_client, draft):
    response = submitter_client.post(url("section_about", draft), {"summary": ""})
    assert "Enter a summary of your evidence." in " ".join(response.context["form"].errors["summary"])
    response = submitter_client.post(url("section_about", draft), {"summary": "w " * 301})
    assert "The summary has 301 words; the limit is 300." in response.content.decode()
    draft.refresh_from_db()
    assert draft.summary == ""


# --- Confidentiality -------------------------------------------------------------------------------------


def test_confidential_responses_need_a_reason(submitter_client, draft):
    page_url = url("section_confidentiality", draft)
    response = submitter_client.post(page_url, {"confidentiality": "confidential"})
    assert response.status_code == 200
    assert "Say why the material is commercially confidential." in response.content.decode()
    draft.refresh_from_db()
    assert draft.confidentiality == ""  # nothing chosen yet: the refused choice is not saved

    response = submitter_client.post(
        url("section_confidentiality", draft),
        {"confidentiality": "confidential", "confidentiality_reason": "Unpublished site costs."},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_confidential and draft.confidentiality_reason == "Unpublished site costs."


def test_the_reason_is_dropped_when_no_longer_confidential(submitter, draft):
    services.submission_update(
        submission=draft,
        by=submitter,
        data={"confidentiality": "confidential", "confidentiality_reason": "Costs"},
    )
    updated = services.submission_update(submission=draft, by=submitter, data={"confidentiality": "attributable"})
    assert updated.confidentiality_reason == ""


def test_the_service_refuses_fields_a_submitter_may_not_edit(submitter, draft):
    with pytest.raises(ValueError, match="review_state"):
        services.submission_update(submission=draft, by=submitter, data={"review_state": "reviewed"})


# --- Script in text --------------------------------------------------------------------------------------


def test_script_in_text_is_shown_escaped_everywhere(submitter_client, submitter, draft, consultation):
    script = '<script>alert("x")</script>'
    question = consultation.questions.first()
    services.submission_update(submission=draft, by=submitter, data={"summary": script, "proposals": script})
    services.answers_save(submission=draft, by=submitter, answers={question.pk: script})
    factories.DataPointFactory(submission=draft, source=script)
    for name in ("check_answers", "submission_detail", "section_data_points"):
        page = submitter_client.get(url(name, draft)).content.decode()
        assert script not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


# --- Submitting needs the essentials ---------------------------------------------------------------------


def test_check_answers_lists_what_is_missing_and_submit_refuses(submitter_client, draft):
    page = submitter_client.get(url("check_answers", draft)).content.decode()
    assert "Enter a summary of your evidence." in page
    assert "Answer at least one question or say what should change." in page
    assert "Submit response" not in page
    response = submitter_client.post(url("submit", draft), follow=True)
    assert "Enter a summary of your evidence." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Submission.Status.DRAFT and draft.reference == ""


def test_a_confidential_response_needs_its_reason_in_the_service_too(submitter, draft):
    with pytest.raises(ValidationError) as caught:
        services.submission_update(submission=draft, by=submitter, data={"confidentiality": "confidential"})
    assert caught.value.message_dict == {
        "confidentiality_reason": ["Say why the material is commercially confidential."]
    }
