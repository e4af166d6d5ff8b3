"""Shared fixtures: the named cast (a submitter, an outsider from another organisation, a reviewer,
a lead) and an open consultation. Tests marked ``postgres`` or ``redis_server`` skip where that is missing,
and fail instead where CI requires them (tests/required.py)."""

import os
import shutil

import pytest
from django.conf import settings as django_settings
from hypothesis import settings as hypothesis_settings

from tests import factories
from tests.required import pytest_runtest_makereport  # noqa: F401 (a hook: makes required skips fail)

# Property-based tests draw the same examples on every run (derandomize: the seed comes from each test), so a
# pass or a failure repeats, in CI and locally. HYPOTHESIS_PROFILE=explore draws new, random examples on each
# run to look for bugs; a failure it finds is printed with the @reproduce_failure line that replays it.
# Loaded here, before the test modules, whose own settings(...) inherit from the profile.
hypothesis_settings.register_profile("deterministic", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


def pytest_collection_modifyitems(items):
    for item in items:
        if (marker := item.get_closest_marker("postgres")) and not django_settings.IS_POSTGRES:
            why = marker.kwargs.get("reason", "")
            item.add_marker(pytest.mark.skip(reason=f"needs PostgreSQL (DATABASE_URL=postgres://...): {why}"))
        if item.get_closest_marker("redis_server") and shutil.which("redis-server") is None:
            item.add_marker(pytest.mark.skip(reason="needs the redis-server program (apt-get install redis-server)"))


@pytest.fixture(autouse=True)
def _fast_tests(settings):
    # Password hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_services(request, settings):
    """Unit tests run Celery tasks in-process and use a private cache, even when REDIS_URL is set.

    Task wiring is tested with a real worker in tests/integration (marked ``worker``)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()  # local-memory caches outlive a test: sign-in rate limits must not carry over
    if request.node.get_closest_marker("worker"):
        yield
        return
    from mmip.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # Each test writes uploads and exports to its own folder.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MMIP_EXPORT_ROOT = tmp_path / "media" / "exports"


@pytest.fixture
def live_db(transactional_db):
    """A database whose writes really commit (for other threads and processes), with the catalogues.

    Transactional tests empty every table when they end, including the catalogues that migrations
    seeded, so they are seeded again here with the same (idempotent) migration code."""
    import importlib

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from evidence.models import EcosystemComponent

    if not EcosystemComponent.objects.exists():
        # The models as the latest migration leaves them (every column exists), filled by the data migrations.
        loader = MigrationExecutor(connection).loader
        state = loader.project_state([n for n in loader.graph.leaf_nodes() if n[0] == "evidence"])
        importlib.import_module("evidence.migrations.0002_seed_catalogues").seed(state.apps, None)
        importlib.import_module("evidence.migrations.0011_indicator_catalogue_figures").forwards(state.apps, None)
        importlib.import_module("evidence.migrations.0012_other_measure").grant(state.apps, None)


@pytest.fixture
def consultation(db):
    return factories.ConsultationFactory(slug="mmip-2026", title="MMIP call for evidence 2026")


@pytest.fixture
def submitter(db):
    return factories.MembershipFactory(user__username="sam", organisation__name="Northern Biologics Ltd").user


@pytest.fixture
def outsider(db):
    return factories.MembershipFactory(user__username="olly", organisation__name="Other Pharma plc").user


@pytest.fixture
def reviewer(db):
    return factories.UserFactory(username="rita", groups=["Reviewer"])


@pytest.fixture
def lead(db):
    return factories.UserFactory(username="leo", groups=["Lead", "Confidential evidence"])


@pytest.fixture
def submitter_client(client, submitter):
    client.force_login(submitter)
    return client
