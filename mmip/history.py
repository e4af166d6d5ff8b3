"""django-simple-history's ``HistoricalRecords`` with its manager class built once.

Reading ``instance.history`` (as simple-history does for every history row it writes) builds
``HistoryManager.from_queryset(HistoricalQuerySet)``, a new class with every queryset method copied onto it,
each time: about a fifth of a millisecond, twice in an amendment and its submit (bench/load/pages.sh with
PROFILE_DIR). The class depends only on the two classes it is built from, so it is built once per pair.
"""

from __future__ import annotations

import functools

from simple_history import manager, models


class HistoryManager(manager.HistoryManager):
    @classmethod
    @functools.cache
    def from_queryset(cls, queryset_class, class_name=None):
        return super().from_queryset(queryset_class, class_name)


class HistoricalRecords(models.HistoricalRecords):
    def __init__(self, *args, history_manager=HistoryManager, **kwargs):
        super().__init__(*args, history_manager=history_manager, **kwargs)
