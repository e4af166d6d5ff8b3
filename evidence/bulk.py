"""Bulk loading of rows whose keys nobody reads back (seeding a demo or a benchmark).

``QuerySet.bulk_create`` builds one multi-row INSERT a batch, with a placeholder per value assembled in
Python; for the hundred thousand child rows of a 10,000-response demo that assembly cost more than
generating the rows. ``insert`` prepares each value exactly as ``bulk_create`` does (``pre_save`` and
``get_db_prep_save``) and runs one single-row statement over all rows with ``executemany``. Like
``bulk_create`` it sends no signals and writes no history.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models


def insert(objs: Sequence[models.Model]) -> None:
    """INSERT ``objs`` (instances of one model, auto primary keys unset). Their keys are not read back."""
    if not objs:
        return
    opts = type(objs[0])._meta
    fields = [
        f for f in opts.concrete_fields if not (f.primary_key and f.db_returning) and not getattr(f, "generated", False)
    ]
    if any(f.has_db_default() for f in fields):
        type(objs[0]).objects.bulk_create(objs, batch_size=2000)  # database defaults need bulk_create's SQL
        return
    rows = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        rows.append([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES ({placeholders})"  # nosec B608: model names
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
