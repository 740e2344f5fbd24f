"""A chat delivery's notification is no longer a foreign key in the database (ADR 37).

ltc_notification becomes partitioned by month on PostgreSQL (core migration 0020); its primary
key then includes the partition key, (id, created_at), and PostgreSQL has no unique `id`
alone for a foreign key to point at. Django still cascades a notification's deletion to its
deliveries; `chat_delivery_once` still holds one delivery per notification and channel.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ltc", "0019_exchange_rates"),
        ("messaging", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="chatdelivery",
            name="notification",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="chat_deliveries",
                to="ltc.notification",
            ),
        ),
    ]
