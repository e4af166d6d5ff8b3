"""A form larger than the site accepts gets a page that states the limit (never Django's error page),
and nothing saved is touched; every answer states its word limit and the page counts words as you type."""

import pytest
from django.urls import reverse

from evidence import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(submitter, consultation):
    return services.submission_start(consultation=consultation, user=submitter)


def test_an_oversized_answers_page_gets_a_friendly_413_that_states_the_limit(submitter_client, draft, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    question = draft.consultation.questions.first()
    page = reverse("evidence:section_answers", kwargs={"public_id": draft.public_id})
    response = submitter_client.post(
        page, {f"q{question.pk}": "word " * 5_000, "proposals": ""}, HTTP_REFERER=f"http://testserver{page}"
    )
    assert response.status_code == 413
    html = response.content.decode()
    assert "Too much to send at once" in html and "larger than the 9.8\xa0KB this site accepts" in html
    assert f'href="http://testserver{page}">Go back to the page</a>' in html
    assert "sam@example.org" in html  # still shown as signed in
    assert not draft.answers.exists()


def test_an_oversized_post_from_elsewhere_offers_no_link_off_the_site(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = client.post("/", {"x": "y" * 500}, HTTP_REFERER="https://evil.example/")
    assert response.status_code == 413 and "evil.example" not in response.content.decode()


def test_every_text_with_a_limit_is_counted_live(submitter_client, draft):
    about = submitter_client.get(reverse("evidence:section_about", kwargs={"public_id": draft.public_id}))
    assert 'data-word-limit="300"' in about.content.decode()
    answers = submitter_client.get(reverse("evidence:section_answers", kwargs={"public_id": draft.public_id}))
    html = answers.content.decode()
    assert html.count("data-word-limit=") == draft.consultation.questions.count() + 1  # and the proposals
    assert "js/forms.js" in html and 'data-max-form-bytes="' in html


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
