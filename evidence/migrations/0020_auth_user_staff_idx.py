"""A partial index on staff accounts: the reviewers' changelist lists the reviewers twice per page (the
"assigned reviewer" filter and the bulk action's choice of reviewer) from ``evidence.review.reviewers()``,
``is_active AND is_staff`` plus permissions. Every respondent has an account, so at 100,000 responses
that was a scan of 100,000 users each time (31 ms twice per page); staff are a handful of rows."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("evidence", "0018_outbox_claim_lease"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS auth_user_staff_idx ON auth_user (id) WHERE is_staff",
            reverse_sql="DROP INDEX IF EXISTS auth_user_staff_idx",
        ),
    ]
