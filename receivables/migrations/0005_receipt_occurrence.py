from django.db import migrations, models
from django.db.models import Count


def number_identical_payments(apps, schema_editor):
    """Receipts recorded before the constraint: a posted payment recorded twice on purpose
    (same customer, bank reference, amount and date) becomes occurrences 1, 2, … by id, so
    the unique constraint of the next migration holds."""
    Receipt = apps.get_model("receivables", "Receipt")
    key = ("customer_id", "bank_reference", "amount", "received_on")
    posted = Receipt.objects.filter(state="posted").exclude(bank_reference="")
    repeated = posted.values(*key).annotate(n=Count("id")).filter(n__gt=1).values_list(*key)
    for customer_id, reference, amount, received_on in repeated.iterator():
        twins = posted.filter(
            customer_id=customer_id, bank_reference=reference, amount=amount, received_on=received_on
        ).order_by("id")
        for occurrence, pk in enumerate(twins.values_list("id", flat=True), start=1):
            Receipt.objects.filter(pk=pk).update(occurrence=occurrence)


class Migration(migrations.Migration):
    dependencies = [
        ("receivables", "0004_ageing_rollup"),
    ]

    operations = [
        migrations.AddField(
            model_name="receipt",
            name="occurrence",
            field=models.PositiveSmallIntegerField(
                default=1,
                editable=False,
                help_text=(
                    "1 for the first receipt of a payment (customer, bank reference, amount, "
                    "date); 2, 3 … for identical payments recorded again on purpose."
                ),
                verbose_name="occurrence",
            ),
        ),
        migrations.RunPython(number_identical_payments, migrations.RunPython.noop),
    ]
