# Company keys in the new normal form (issue 17: Traditional as Simplified, no gaps in Chinese).

from django.db import migrations

from accounts.normalise import normalise_company_name


def renormalise(apps, schema_editor):
    Lead = apps.get_model("leads", "Lead")
    changed = []
    leads = Lead.objects.select_related("customer").only(
        "pk", "company_name", "company_key", "customer__normalised_name"
    )
    for lead in leads.iterator(chunk_size=2000):
        key = lead.customer.normalised_name if lead.customer_id else normalise_company_name(
            lead.company_name
        )
        if key != lead.company_key:
            lead.company_key = key
            changed.append(lead)
        if len(changed) >= 2000:
            Lead.objects.bulk_update(changed, ["company_key"])
            changed = []
    Lead.objects.bulk_update(changed, ["company_key"])


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_renormalise_traditional_and_spacing'),
        ('leads', '0004_validated_contact_fields'),
    ]

    operations = [
        migrations.RunPython(renormalise, migrations.RunPython.noop),
    ]
