"""Two tabs (or two colleagues) editing one draft: a save from a stale page is refused, shows both versions,
and loses neither; saving again deliberately replaces the other version. Sections do not conflict with
each other."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evidence import services
from evidence.models import DataPoint, Submission
from tests import factories

pytestmark = pytest.mark.django_db


def url(name, submission, **kwargs):
    return reverse(f"evidence:{name}", kwargs={"public_id": submission.public_id, **kwargs})


@pytest.fixture
def draft(submitter, consultation):
    return services.submission_start(consultation=consultation, user=submitter)


def fingerprint_on(page) -> str:
    return re.search(r'name="fingerprint" value="([0-9a-f]*)"', page.content.decode()).group(1)


def test_a_stale_answers_page_is_refused_and_shows_both_versions(submitter_client, draft):
    question = draft.consultation.questions.first()
    tab_one = fingerprint_on(submitter_client.get(url("section_answers", draft)))
    tab_two = fingerprint_on(submitter_client.get(url("section_answers", draft)))
    first = {f"q{question.pk}": "Tab one: 45 vacancies.", "proposals": "", "fingerprint": tab_one}
    assert submitter_client.post(url("section_answers", draft), first).status_code == 302

    second = {f"q{question.pk}": "Tab two: apprenticeships.", "proposals": "", "fingerprint": tab_two}
    page = submitter_client.post(url("section_answers", draft), second)

    assert page.status_code == 200
    html = page.content.decode()
    assert "This was changed somewhere else after you opened this page" in html
    assert "Tab one: 45 vacancies." in html  # theirs, shown
    assert "Tab two: apprenticeships.</textarea>" in html  # yours, still in the form
    assert draft.answers.get().text == "Tab one: 45 vacancies."  # theirs, still saved
    assert "Saved as a draft" not in html

    # Saving again (the form now carries the new fingerprint) replaces theirs deliberately.
    again = {**second, "fingerprint": fingerprint_on(page)}
    assert submitter_client.post(url("section_answers", draft), again).status_code == 302
    assert draft.answers.get().text == "Tab two: apprenticeships."


def test_a_stale_summary_is_refused_but_another_section_saved_meanwhile_is_not_a_conflict(submitter_client, draft):
    about = fingerprint_on(submitter_client.get(url("section_about", draft)))
    confidentiality = fingerprint_on(submitter_client.get(url("section_confidentiality", draft)))
    submitter_client.post(url("section_about", draft), {"summary": "First summary.", "fingerprint": about})
    saved = submitter_client.post(
        url("section_confidentiality", draft),
        {"confidentiality": "publishable", "consent_to_publish": "on", "fingerprint": confidentiality},
    )
    assert saved.status_code == 302  # a different section: no conflict

    page = submitter_client.post(url("section_about", draft), {"summary": "Second summary.", "fingerprint": about})
    assert page.status_code == 200 and "Saved version" in page.content.decode()
    draft.refresh_from_db()
    assert draft.summary == "First summary." and draft.confidentiality == "publishable"


def test_saving_the_same_text_as_the_other_tab_is_not_a_conflict(submitter_client, draft):
    stale = fingerprint_on(submitter_client.get(url("section_about", draft)))
    submitter_client.post(url("section_about", draft), {"summary": "Same words.", "fingerprint": stale})
    page = submitter_client.post(url("section_about", draft), {"summary": "Same words.", "fingerprint": stale})
    assert page.status_code == 302  # the two tabs agree: nothing to choose between
    assert Submission.objects.get().summary == "Same words."


def test_a_stale_data_point_edit_shows_the_saved_figures_and_keeps_yours(submitter_client, draft):
    point = factories.DataPointFactory(submission=draft, value=400)
    stale = fingerprint_on(submitter_client.get(url("data_point_edit", draft, pk=point.pk)))
    DataPoint.objects.filter(pk=point.pk).update(value=450)  # saved in the other tab
    form = {
        "indicator": point.indicator_id,
        "value": "500",
        "unit": "jobs",
        "period_start": "2023",
        "geography": point.geography_id,
        "source": "HR system",
        "fingerprint": stale,
    }
    page = submitter_client.post(url("data_point_edit", draft, pk=point.pk), form)
    html = page.content.decode()
    assert page.status_code == 200 and "The saved version of this data point" in html
    assert "450 jobs" in html and 'value="500"' in html
    assert DataPoint.objects.get().value == 450


def test_editing_a_data_point_removed_in_another_tab_keeps_the_figures_typed(submitter_client, draft):
    point = factories.DataPointFactory(submission=draft)
    pk = point.pk
    stale = fingerprint_on(submitter_client.get(url("data_point_edit", draft, pk=pk)))
    DataPoint.objects.filter(pk=pk).delete()
    form = {
        "indicator": point.indicator_id,
        "value": "512",
        "unit": "jobs",
        "period_start": "2023",
        "geography": point.geography_id,
        "source": "HR system",
        "fingerprint": stale,
    }
    page = submitter_client.post(url("data_point_edit", draft, pk=pk), form)
    html = page.content.decode()
    assert page.status_code == 200 and "was removed (in another tab or by a colleague)" in html
    assert 'value="512"' in html
    assert submitter_client.get(url("data_point_edit", draft, pk=pk)).status_code == 404


def test_a_client_that_sends_no_fingerprint_saves_as_before(submitter_client, draft):
    assert submitter_client.post(url("section_about", draft), {"summary": "No fingerprint."}).status_code == 302
    assert Submission.objects.get().summary == "No fingerprint."


def test_the_service_refuses_a_stale_save(draft, submitter):
    stale = services.fingerprint(services.submission_values(draft, ["summary"]))
    services.submission_update(submission=draft, by=submitter, data={"summary": "A"}, expected=stale)
    with pytest.raises(services.EditConflict) as clash:
        services.submission_update(submission=draft, by=submitter, data={"summary": "B"}, expected=stale)
    assert clash.value.current == {"summary": "A"}


# --- How figures and file names read --------------------------------------------------------------------


def test_figures_read_the_way_people_write_them(submitter_client, draft):
    factories.DataPointFactory(
        submission=draft, indicator=factories.indicator("capital-investment"), value=85, unit="£ million a year"
    )
    html = submitter_client.get(url("section_data_points", draft)).content.decode()
    assert "£85 million a year" in html and "85 £ million" not in html


def test_a_right_to_left_override_in_a_file_name_is_neutralised(submitter_client, draft):
    upload = SimpleUploadedFile("report\u202egnp.exe", b"role,vacancies\nengineer,45\n", content_type="text/csv")
    submitter_client.post(url("section_attachments", draft), {"file": upload})
    attachment = draft.attachments.get()
    assert "\u202e" not in attachment.original_name
    # A name stored before uploads were cleaned is shown without its controls too.
    type(attachment).objects.filter(pk=attachment.pk).update(original_name="photo\u202egnp.exe")
    html = submitter_client.get(url("section_attachments", draft)).content.decode()
    assert "\u202e" not in html and "photognp.exe" in html
