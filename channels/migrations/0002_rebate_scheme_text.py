"""The agreements' free-text rebate schemes become scheme rows (ADR 22): each non-empty text
is kept as the notes of a scheme attached to its agreement, without tiers (it accrues nothing
until someone gives it tiers: a text cannot be read as tiers safely). Then partners drops
the text column (partners 0002)."""

from django.db import migrations


def texts_to_schemes(apps, schema_editor):
    agreement_model = apps.get_model("partners", "PartnerAgreement")
    scheme_model = apps.get_model("channels", "RebateScheme")
    for agreement in agreement_model.objects.exclude(rebate_scheme="").select_related("partner"):
        scheme_model.objects.get_or_create(
            agreement=agreement,
            defaults={
                "name": f"{agreement.partner.name} {agreement.year}"[:200],
                "notes": agreement.rebate_scheme,
            },
        )


def schemes_to_texts(apps, schema_editor):
    agreement_model = apps.get_model("partners", "PartnerAgreement")
    scheme_model = apps.get_model("channels", "RebateScheme")
    for scheme in scheme_model.objects.exclude(notes=""):
        agreement_model.objects.filter(pk=scheme.agreement_id).update(rebate_scheme=scheme.notes)


class Migration(migrations.Migration):
    dependencies = [("channels", "0001_initial")]

    operations = [migrations.RunPython(texts_to_schemes, schemes_to_texts)]
