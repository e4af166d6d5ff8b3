"""Confidential means confidential, probed as an auditor would.

A canary word is planted in every part of a commercially confidential response (summary, every answer,
proposals, declared interests, a data point's source and notes, an attachment's name and text, the
confidentiality reason, an excerpt and its note) and of an unsubmitted draft. Then, as staff WITHOUT the
confidential-evidence permission (a reviewer, and a lead), every admin URL the admin registers is requested:
changelists with a lookup on every text field, the search box, change pages, history lists and every history
version, delete pages, autocomplete, every bulk action (the CSV export included), the agreement and
disagreement pages. The canary never appears. A publishable control response's word must appear where it
should, so a page that shows nothing cannot pass for a page that withholds.
"""

from __future__ import annotations

import csv
import io
import threading
import urllib.request

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.db import models
from django.test import Client
from django.urls import NoReverseMatch, reverse

from evidence import search
from evidence.models import (
    Answer,
    Attachment,
    ComponentTag,
    DuplicateFlag,
    Excerpt,
    Submission,
)
from tests import factories

pytestmark = pytest.mark.django_db

CANARY = "ZEBRACANARY"
DRAFT_CANARY = "DRAFTCANARY"
CONTROL = "OKAPICONTROL"
# What was planted, as phrases: a page that echoes a probe (the search box shows "?q=ZEBRACANARY") is not a
# leak; a page that shows the word with its planted neighbours is.
SECRETS = (
    f"margins {CANARY} stay",
    f"rebate {CANARY} now",
    f"Interests {CANARY}",
    f"Reason {CANARY}",
    f"cost {CANARY} is",
    f"Internal model {CANARY}",
    f"Notes {CANARY}",
    f"margins-{CANARY}",
    f"Attachment text {CANARY}",
    f"Note {CANARY}",
    f"Unsent {DRAFT_CANARY}",
    f"Draft {DRAFT_CANARY}",
    f"cost {DRAFT_CANARY} is",
)


def _answers(submission, word):
    answers = []
    for question in submission.consultation.questions.all():
        answers.append(
            Answer.objects.create(
                submission=submission,
                question=question,
                text=f"We run two sterile lines. Our unit cost {word} is below the European median.",
            )
        )
    return answers


def plant(consultation, *, coder):
    """A confidential response with the canary everywhere, made publishable first as the site makes every
    response; an unsubmitted draft; a publishable control; a flag and coding on the confidential one."""
    conf = factories.SubmittedSubmissionFactory(
        consultation=consultation,
        summary=f"Our margins {CANARY} stay private",
        proposals=f"Change the rebate {CANARY} now",
        declared_interests=f"Interests {CANARY}",
        organisation__name="Quiet Sterile Ltd",
    )
    conf.confidentiality = Submission.Confidentiality.CONFIDENTIAL
    conf.confidentiality_reason = f"Reason {CANARY}"
    conf.save()
    answers = _answers(conf, CANARY)
    factories.DataPointFactory(submission=conf, source=f"Internal model {CANARY}", notes=f"Notes {CANARY}")
    attachment = Attachment(
        submission=conf,
        original_name=f"margins-{CANARY}.txt",
        kind="txt",
        content_type="text/plain",
        size=30,
        sha256="0" * 64,
        extracted_text=f"Attachment text {CANARY}",
        extraction_status="done",
        uploaded_by=conf.created_by,
    )
    attachment.file.save("margins.txt", ContentFile(f"Attachment text {CANARY}".encode()), save=False)
    attachment.save()
    component = answers[0].question.component
    ComponentTag.objects.create(submission=conf, component=component, reviewer=coder, grade="A")
    Excerpt.objects.create(
        submission=conf,
        component=component,
        reviewer=coder,
        answer=answers[0],
        text=f"unit cost {CANARY}",
        note=f"Note {CANARY}",
    )
    draft = factories.SubmissionFactory(
        consultation=consultation, summary=f"Unsent {DRAFT_CANARY} text", proposals=f"Draft {DRAFT_CANARY}"
    )
    _answers(draft, DRAFT_CANARY)
    control = factories.SubmittedSubmissionFactory(
        consultation=consultation, summary=f"Public control {CONTROL}", organisation__name="Open Pharma plc"
    )
    _answers(control, CONTROL)
    DuplicateFlag.objects.create(submission=conf, similar_to=control, similarity=0.9, kind="duplicate")
    search.refresh([conf.pk, draft.pk, control.pk])
    return conf, draft, control


@pytest.fixture
def planted(consultation, lead):
    return plant(consultation, coder=lead)


@pytest.fixture(params=["reviewer", "lead without the permission"])
def outsider_staff(request, reviewer):
    if request.param == "reviewer":
        return reviewer
    return factories.UserFactory(username="lena", groups=["Lead"])


def _text_fields(model) -> list[str]:
    return [
        f.name
        for f in model._meta.get_fields()
        if isinstance(f, (models.CharField, models.TextField)) and not f.choices and f.concrete
    ]


def _admin_urls(conf, draft, control) -> list[str]:
    """Every GET page the admin registers, for the objects planted (and the changelists of every model)."""
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        try:
            changelist = reverse("admin:{}_{}_changelist".format(*info))
        except NoReverseMatch:
            continue
        urls += [changelist, f"{changelist}?q={CANARY}", f"{changelist}?q={DRAFT_CANARY}"]
        for field in _text_fields(model):
            for lookup, word in (("icontains", CANARY), ("icontains", DRAFT_CANARY), ("startswith", "O")):
                urls.append(f"{changelist}?{field}__{lookup}={word}")
        for fk in model._meta.get_fields():
            if fk.is_relation and fk.many_to_one and fk.related_model is not None:
                urls.append(
                    f"{reverse('admin:autocomplete')}?app_label={info[0]}&model_name={info[1]}"
                    f"&field_name={fk.name}&term={CANARY}"
                )
    for submission in (conf, draft, control):
        for name in ("change", "history", "delete"):
            urls.append(reverse(f"admin:evidence_submission_{name}", args=[submission.pk]))
        for history_id in Submission.history.filter(id=submission.pk).values_list("history_id", flat=True):
            urls.append(reverse("admin:evidence_submission_simple_history", args=[submission.pk, history_id]))
    flag = DuplicateFlag.objects.get(submission=conf)
    urls += [
        reverse("admin:evidence_duplicateflag_change", args=[flag.pk]),
        reverse("admin:evidence_duplicateflag_history", args=[flag.pk]),
        reverse("admin:evidence_organisation_change", args=[conf.organisation_id]),
        reverse("admin:evidence_submission_agreement"),
        reverse("admin:evidence_submission_resolve", args=[conf.pk]),
    ]
    return urls


def _body(response) -> str:
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return content.decode("utf-8", "ignore")


def test_the_canary_reaches_no_admin_page_of_staff_without_the_permission(planted, outsider_staff):
    conf, draft, control = planted
    client = Client()
    client.force_login(outsider_staff)
    leaks, read = [], 0
    for url in _admin_urls(conf, draft, control):
        body = _body(client.get(url, follow=True))
        read += 1
        leaks += [f"{url}: {secret}" for secret in SECRETS if secret in body]
        # A lookup or search on the canary must not single out the confidential response.
        if ("__" in url or "?q=" in url) and "/submission/" in url and CANARY in url and conf.reference in body:
            leaks.append(f"{url} (lists {conf.reference})")
    assert read > 100
    assert leaks == []
    # Positive controls: the same person sees a publishable response in full, and the confidential one exists
    # for them (reference, organisation, the withheld notice), it is only its content that is withheld.
    page = _body(client.get(reverse("admin:evidence_submission_change", args=[control.pk])))
    assert CONTROL in page
    page = _body(client.get(reverse("admin:evidence_submission_change", args=[conf.pk])))
    assert conf.reference in page and "withheld" in page
    assert client.get(reverse("admin:evidence_submission_change", args=[draft.pk]), follow=True).status_code == 200
    assert client.get(reverse("admin:evidence_submission_history", args=[draft.pk])).status_code == 404


def test_every_bulk_action_keeps_the_canary_out(planted, outsider_staff):
    conf, draft, control = planted
    client = Client()
    client.force_login(outsider_staff)
    changelist = reverse("admin:evidence_submission_changelist")
    model_admin = admin.site._registry[Submission]
    request = type("R", (), {"user": outsider_staff, "GET": {}, "POST": {}})()
    actions = list(model_admin.get_actions(request))
    assert "export_csv" in actions and len(actions) >= 5
    for action in actions:
        response = client.post(
            changelist,
            {
                "action": action,
                "_selected_action": [conf.pk, draft.pk, control.pk],
                "reviewer": outsider_staff.pk,
                "state": "in_review",
                "component": conf.tags.first().component_id,
                "grade": "B",
                "post": "yes",
            },
            follow=True,
        )
        body = _body(response)
        assert not any(secret in body for secret in SECRETS), action
        if action == "export_csv":
            rows = list(csv.reader(io.StringIO(body)))
            assert any(CONTROL in cell for row in rows for cell in row)  # the export does carry summaries
            assert [r[0] for r in rows[1:]].count(conf.reference) == 1  # listed, content withheld


def test_the_same_pages_show_the_canary_to_staff_with_the_permission(planted, lead):
    """The other half of the rule (and proof the probes look in the right places)."""
    conf, draft, control = planted
    client = Client()
    client.force_login(lead)
    page = _body(client.get(reverse("admin:evidence_submission_change", args=[conf.pk])))
    # Everything the change page shows of a response (the data point's notes and the attachment's extracted
    # text are searched, not shown).
    expected = [s for s in SECRETS[:10] if not s.startswith(("Notes", "Attachment text"))]
    assert [secret for secret in expected if secret in page] == expected
    body = _body(client.get(f"{reverse('admin:evidence_submission_changelist')}?summary__icontains={CANARY}"))
    assert conf.reference in body


def test_history_versions_of_a_response_made_confidential_later_are_withheld(planted, reviewer):
    conf, _, _ = planted
    versions = list(Submission.history.filter(id=conf.pk).order_by("history_date"))
    assert versions[0].confidentiality == "publishable"  # the version from before it was made confidential
    client = Client()
    client.force_login(reviewer)
    for version in versions:
        url = reverse("admin:evidence_submission_simple_history", args=[conf.pk, version.history_id])
        response = client.get(url)
        assert response.status_code == 200
        body = _body(response)
        assert not [secret for secret in SECRETS if secret in body]
        assert "withheld" in body


def test_history_pages_of_drafts_and_nonsense_ids_are_404(planted, reviewer):
    _, draft, _ = planted
    client = Client()
    client.force_login(reviewer)
    version = Submission.history.filter(id=draft.pk).values_list("history_id", flat=True).first()
    assert client.get(reverse("admin:evidence_submission_history", args=[draft.pk])).status_code == 404
    assert client.get(reverse("admin:evidence_submission_simple_history", args=[draft.pk, version])).status_code == 404
    assert client.get(f"/admin/evidence/submission/{draft.pk}/history/abc/").status_code == 404


def test_text_lookups_are_refused_without_the_permission_and_other_filters_still_work(planted, reviewer):
    conf, _, control = planted
    client = Client()
    client.force_login(reviewer)
    changelist = reverse("admin:evidence_submission_changelist")
    for lookup in ("summary__icontains", "proposals__startswith", "search_document__icontains"):
        assert client.get(f"{changelist}?{lookup}=Z").status_code == 400, lookup
    body = _body(client.get(f"{changelist}?confidentiality=confidential"))
    assert conf.reference in body and control.reference not in body
    assert conf.reference in _body(client.get(f"{changelist}?q={conf.reference}"))


def test_a_request_that_runs_between_another_ones_form_and_its_rendering_changes_nothing(planted, reviewer, lead):
    """The ModelAdmin is one object shared by the server's threads: nothing about who is looking may live on
    it. Deterministically, a whole insider request runs while an outsider's page is half built (after its
    form is made, before its read-only fields are rendered), as a threaded server can interleave them."""
    from evidence.admin.submissions import SubmissionAdmin

    conf, _, _ = planted
    url = reverse("admin:evidence_submission_change", args=[conf.pk])
    insider, outsider = Client(), Client()
    insider.force_login(lead)
    outsider.force_login(reviewer)
    original, interleaved = SubmissionAdmin.get_form, []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = original(self, request, obj, change, **kwargs)
        if request.user == reviewer and not interleaved:
            interleaved.append(_body(insider.get(url)))
        return form

    SubmissionAdmin.get_form = get_form
    try:
        outsider_page = _body(outsider.get(url))
    finally:
        SubmissionAdmin.get_form = original
    assert interleaved and SECRETS[0] in interleaved[0]  # the insider's page, in between, had it
    assert not [secret for secret in SECRETS if secret in outsider_page]
    assert "withheld" in outsider_page


@pytest.mark.postgres(reason="two requests at once (SQLite's in-memory test database serves one thread)")
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_loading_one_confidential_response_at_once_each_see_only_their_share(live_db, live_server):
    """The same, for real: two people load one confidential response at the same time, over and over,
    through a threaded live server (SQLite's in-memory test database cannot serve two threads at once)."""
    consultation = factories.ConsultationFactory()
    insider = factories.UserFactory(username="ines", groups=["Lead", "Confidential evidence"])
    outsider = factories.UserFactory(username="otto", groups=["Reviewer"])
    conf, _, _ = plant(consultation, coder=insider)
    url = f"{live_server.url}{reverse('admin:evidence_submission_change', args=[conf.pk])}"

    def cookie_for(user):
        client = Client()
        client.force_login(user)
        return f"sessionid={client.cookies['sessionid'].value}"

    cookies = {"insider": cookie_for(insider), "outsider": cookie_for(outsider)}
    seen = {"insider": [], "outsider": []}
    start = threading.Barrier(2)

    def load(who):
        start.wait()
        for _ in range(60):
            request = urllib.request.Request(url, headers={"Cookie": cookies[who]})
            with urllib.request.urlopen(request, timeout=30) as response:  # nosec B310: our live server
                seen[who].append(SECRETS[0] in response.read().decode())

    threads = [threading.Thread(target=load, args=(who,)) for who in cookies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen["outsider"]) == len(seen["insider"]) == 60
    assert not any(seen["outsider"]), f"the outsider saw the canary in {sum(seen['outsider'])} of 60 loads"
    assert all(seen["insider"]), f"the insider was refused it in {seen['insider'].count(False)} of 60 loads"
