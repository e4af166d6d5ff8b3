"""Reviewers confirm or reject duplicate, campaign and shared-passage flags and see campaigns; leads also
decide how a campaign counts in the coverage."""

from django.db import migrations

GRANTS = {
    "Reviewer": ["view_duplicateflag", "change_duplicateflag", "view_campaign"],
    "Lead": ["view_duplicateflag", "change_duplicateflag", "view_campaign", "change_campaign"],
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # The new models' permissions are otherwise only created after all migrations have run.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group:
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label="evidence", codename__in=codenames)
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="evidence", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [("evidence", "0013_duplicate_index_campaigns"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(grant, revoke)]
