"""Other measures: a proxy of DataPoint for the admin page that groups figures named by respondents and maps
them to a catalogue indicator. Reviewers and leads may view and map them."""

from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(
        content_type__app_label="evidence", codename__in=["view_othermeasure", "map_othermeasure"]
    )
    for name in ("Reviewer", "Lead", "Administrator"):
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0011_indicator_catalogue_figures"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="OtherMeasure",
            fields=[],
            options={
                "verbose_name": "other measure",
                "permissions": [("map_othermeasure", "Can map other measures to an indicator, or create one for them")],
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("evidence.datapoint",),
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
