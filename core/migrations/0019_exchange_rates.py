# Exchange rates (issue 23.5, ADR 30): one rate per day and currency pair.

import django.db.models.expressions
from django.db import migrations, models

import core.money

CURRENCIES = [
    ("CNY", "Chinese yuan (CNY)"),
    ("USD", "US dollar (USD)"),
    ("EUR", "Euro (EUR)"),
    ("HKD", "Hong Kong dollar (HKD)"),
    ("GBP", "Pound sterling (GBP)"),
    ("JPY", "Japanese yen (JPY)"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("ltc", "0018_gate_decision_kind"),
    ]

    operations = [
        migrations.CreateModel(
            name="ExchangeRate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                (
                    "version",
                    models.PositiveIntegerField(default=1, editable=False, verbose_name="version"),
                ),
                ("date", models.DateField(verbose_name="date")),
                (
                    "base",
                    core.money.CurrencyField(
                        choices=CURRENCIES, default="CNY", max_length=3, verbose_name="base currency"
                    ),
                ),
                (
                    "quote",
                    core.money.CurrencyField(
                        choices=CURRENCIES,
                        default="CNY",
                        max_length=3,
                        verbose_name="quote currency",
                    ),
                ),
                (
                    "rate",
                    models.DecimalField(decimal_places=8, max_digits=18, verbose_name="rate"),
                ),
                (
                    "source",
                    models.CharField(
                        blank=True,
                        default="manual",
                        help_text="manual, import, or the name of the system that sent it",
                        max_length=40,
                        verbose_name="source",
                    ),
                ),
            ],
            options={
                "verbose_name": "exchange rate",
                "verbose_name_plural": "exchange rates",
                "ordering": ["-date", "base", "quote"],
                "indexes": [
                    models.Index(fields=["base", "quote", "-date"], name="exchange_rate_lookup")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("date", "base", "quote"),
                        name="exchange_rate_once_per_day_and_pair",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("rate__gt", 0)), name="exchange_rate_positive"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("base", django.db.models.expressions.F("quote")), _negated=True
                        ),
                        name="exchange_rate_pair",
                    ),
                ],
            },
        ),
    ]
