from django.db import migrations


def create_unit_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Unit = apps.get_model("organization", "Unit")
    Membership = apps.get_model("organization", "Membership")
    for unit in Unit.objects.filter(group__isnull=True):
        unit.group, _ = Group.objects.get_or_create(name=f"unidad:{unit.code}")
        unit.save(update_fields=["group"])
        for membership in Membership.objects.filter(unit=unit):
            membership.user.groups.add(unit.group)


class Migration(migrations.Migration):
    dependencies = [("organization", "0003_unit_group_and_delegation")]

    operations = [migrations.RunPython(create_unit_groups, migrations.RunPython.noop)]
