from django.db import migrations, models


class Migration(migrations.Migration):
    """A payment is recorded once (ADR 12): its own migration, after the numbering of
    identical payments, so PostgreSQL builds the index in a transaction of its own."""

    dependencies = [
        ("receivables", "0005_receipt_occurrence"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="receipt",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "posted"), models.Q(("bank_reference", ""), _negated=True)),
                fields=("customer", "bank_reference", "amount", "received_on", "occurrence"),
                name="receipt_payment_recorded_once",
            ),
        ),
    ]
