"""FixedQuery (mmip/fixedquery.py): the ORM's own statement, built once per thread, run with new values, with
the ORM's results."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from evidence.models import DataPoint, Submission
from mmip.fixedquery import FixedQuery, instance
from tests import factories

pytestmark = pytest.mark.django_db


def figures(submission_id):
    return (
        DataPoint.objects.filter(submission_id=submission_id, unit__startswith="£")
        .select_related("geography")
        .values_list("geography__name", "value", "period_start")
    )


@pytest.fixture
def two_responses(consultation):
    responses = factories.SubmissionFactory.create_batch(2, consultation=consultation)
    for n, response in enumerate(responses):
        for value, unit, region in ((Decimal("85.5") + n, "£ million", "wales"), (Decimal(12), "jobs", "scotland")):
            factories.DataPointFactory(
                submission=response,
                indicator=factories.indicator("capital-investment"),
                value=value,
                unit=unit,
                period_start=2024 - n,
                geography=factories.region(region),
            )
    return responses


def test_the_same_rows_as_the_orm_for_each_value_with_its_constants_and_conversions(two_responses):
    query = FixedQuery(figures)
    for response in two_responses:
        assert query(response.pk) == list(figures(response.pk))
    assert query(two_responses[1].pk) == [("Wales", Decimal("86.5"), 2023)]
    assert isinstance(query(two_responses[0].pk)[0][1], Decimal)  # converted as the ORM does (SQLite too)
    assert query(-1) == []


def test_the_statement_is_built_once_per_thread(two_responses):
    built = []

    def build(submission_id):
        built.append(submission_id)
        return figures(submission_id)

    query = FixedQuery(build)
    with CaptureQueriesContext(connection) as queries:
        query(two_responses[0].pk)
        query(two_responses[1].pk)
    assert len(built) == 1 and len(queries) == 2


def test_each_thread_builds_its_own_statement_for_its_own_connection():
    """Django's connections are per thread, and a compiled statement keeps its connection: another thread
    builds its own. (No rows: SQLite's in-memory test database would lock a table this test had written.)"""
    built = []

    def build(submission_id):
        built.append(submission_id)
        return figures(submission_id)

    query = FixedQuery(build)
    assert query(-1) == [] and len(built) == 1
    results = []

    def elsewhere():
        try:
            results.append(query(-1))
        finally:
            connection.close()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert results == [[]] and len(built) == 2


def test_a_query_it_cannot_run_again_is_refused():
    with pytest.raises(TypeError, match="values_list"):
        FixedQuery(lambda pk: Submission.objects.filter(pk=pk))(1)
    with pytest.raises(TypeError, match="placeholder"):
        FixedQuery(lambda pk: Submission.objects.filter(pk=1).values_list("reference"))(1)
    with pytest.raises(TypeError, match="expected 1 values"):
        FixedQuery(figures)(1, 2)


def test_a_uuid_argument_and_instances_loaded_as_the_orm_loads_them(two_responses):
    from evidence.models import Consultation

    response = two_responses[1]
    query = FixedQuery(
        lambda public_id, consultation_id: Submission.objects.filter(
            public_id=public_id, consultation_id=consultation_id
        ).values_list("id", "summary", "created_at", "consultation"),
        kinds=("uuid", "int"),
    )
    assert query(two_responses[0].public_id, response.consultation_id)[0][0] == two_responses[0].pk
    [row] = query(response.public_id, response.consultation_id)
    assert query(response.public_id, response.consultation_id + 1) == []
    loaded = instance(Submission, ["id", "summary", "created_at", "consultation_id"], row)
    assert (loaded.pk, loaded.summary, loaded.created_at) == (response.pk, response.summary, response.created_at)
    assert loaded.get_deferred_fields() >= {"reference", "search_document"}
    assert not loaded._state.adding and loaded._state.db == "default"
    with CaptureQueriesContext(connection) as queries:
        assert isinstance(loaded.consultation, Consultation)  # not cached: read as usual
    assert len(queries) == 1


def test_the_web_journey_reads_a_response_it_changes_in_one_statement_and_only_its_members(two_responses):
    from evidence import services

    response = two_responses[0]
    member = factories.MembershipFactory(organisation=response.organisation).user
    outsider = factories.MembershipFactory(organisation=two_responses[1].organisation).user
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        mine = services._locked_for(member, response.public_id)
        assert mine.consultation.title == response.consultation.title
        assert mine.organisation.name == response.organisation.name
        assert (mine.summary, mine.status, mine.version) == (response.summary, response.status, response.version)
    assert len(queries) == 1
    assert "FOR UPDATE" in queries[0]["sql"] or not connection.features.has_select_for_update
    assert "search_document" not in queries[0]["sql"] and mine.get_deferred_fields() == {
        "search_document",
        "search_vector",
    }
    with transaction.atomic(), pytest.raises(Submission.DoesNotExist):
        services._locked_for(outsider, response.public_id)


def test_an_integer_field_argument_is_sent_as_the_orm_sends_it(two_responses):
    """Django types an IntegerField's value for PostgreSQL (psycopg's Int4); a key's goes as a plain int."""
    Submission.objects.filter(pk=two_responses[1].pk).update(version=7)
    query = FixedQuery(
        lambda version, consultation_id: Submission.objects.filter(
            version=version, consultation_id=consultation_id
        ).values_list("id"),
        kinds=("int", "int"),
    )
    assert query(7, two_responses[1].consultation_id) == [(two_responses[1].pk,)]
    assert query(0, two_responses[1].consultation_id) == [(two_responses[0].pk,)]
