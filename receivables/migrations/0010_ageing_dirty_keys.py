"""The ageing rollup's keys are marked dirty by triggers (issue 24.2, ADR 33): every insert,
update and delete of a payment milestone (receipts move milestones' paid amounts, so they mark
through them), and a contract's move to another org unit (its milestones' keys, old and new)."""

from django.db import migrations

from core.rollups import dirty_trigger

MILESTONE_KEY = (
    "SELECT c.org_unit_id, {row}.currency, '' FROM contracts_contract c "
    "WHERE c.id = {row}.contract_id AND c.org_unit_id IS NOT NULL"
)
CONTRACT_KEY = (
    "SELECT DISTINCT {row}.org_unit_id, m.currency, '' FROM receivables_paymentmilestone m "
    "WHERE m.contract_id = {row}.id AND {row}.org_unit_id IS NOT NULL"
)


class Migration(migrations.Migration):
    dependencies = [
        ("receivables", "0009_cash_forecast"),
        ("ltc", "0020_rollup_dirty"),
    ]

    operations = [
        dirty_trigger(
            "ageing_dirty_milestone", "receivables_paymentmilestone", "ageing", MILESTONE_KEY
        ),
        dirty_trigger("ageing_dirty_contract", "contracts_contract", "ageing", CONTRACT_KEY),
    ]
