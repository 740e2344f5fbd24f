# Names are compared in a new normal form (issue 17): Traditional characters as Simplified
# (OpenCC), and no gap inside Chinese text ("有限 公司"). Phones are compared by libphonenumber.

from django.db import migrations

from accounts.normalise import normalise_company_name, normalise_phone


def _recompute(Model, field, source, function):
    changed = []
    for row in Model.objects.only("pk", field, source).iterator(chunk_size=2000):
        key = function(getattr(row, source))
        if key != getattr(row, field):
            setattr(row, field, key)
            changed.append(row)
        if len(changed) >= 2000:
            Model.objects.bulk_update(changed, [field])
            changed = []
    Model.objects.bulk_update(changed, [field])


def renormalise(apps, schema_editor):
    _recompute(apps.get_model("accounts", "Customer"), "normalised_name", "name", normalise_company_name)
    _recompute(apps.get_model("accounts", "Contact"), "normalised_phone", "phone", normalise_phone)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_validated_contact_fields'),
    ]

    operations = [
        migrations.RunPython(renormalise, migrations.RunPython.noop),
    ]
