"""The GIN index behind ranked full-text search, on PostgreSQL only (SQLite uses a plain fallback)."""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Serves evidence.search.search(): search_vector @@ websearch_to_tsquery(...)
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS submission_search_gin ON evidence_submission USING gin (search_vector)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS submission_search_gin")


class Migration(migrations.Migration):
    dependencies = [("evidence", "0004_review_audit_search_duplicates")]
    operations = [migrations.RunPython(create_index, drop_index)]
