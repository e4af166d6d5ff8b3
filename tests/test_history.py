"""mmip.history: simple-history's manager class is built once, and history is still written and read."""

import pytest

from evidence.models import Submission
from tests.factories import SubmittedSubmissionFactory


def test_history_manager_class_is_built_once():
    assert type(Submission.history) is type(Submission.history)


@pytest.mark.django_db
def test_history_rows_are_written_and_read_through_the_shared_manager():
    submission = SubmittedSubmissionFactory()
    submission.status = Submission.Status.WITHDRAWN
    submission.save()
    statuses = list(submission.history.order_by("history_id").values_list("status", flat=True))
    assert statuses[-1] == Submission.Status.WITHDRAWN and len(statuses) >= 2
    assert type(submission.history) is type(SubmittedSubmissionFactory().history)
