"""The funnel rollup's keys are marked dirty by triggers (issue 24.2, ADR 33): every insert,
update and delete of an opportunity (its old and new key), and of a gate review on one."""

from django.db import migrations

from core.rollups import dirty_trigger

OPPORTUNITY_KEY = (
    "SELECT {row}.org_unit_id, {row}.currency, {row}.product_line "
    "WHERE {row}.org_unit_id IS NOT NULL"
)
REVIEW_KEY = (
    "SELECT o.org_unit_id, o.currency, o.product_line FROM opportunities_opportunity o "
    "WHERE o.id = {row}.subject_id AND o.org_unit_id IS NOT NULL AND {row}.subject_type_id = "
    "(SELECT id FROM django_content_type "
    "WHERE app_label = 'opportunities' AND model = 'opportunity')"
)


class Migration(migrations.Migration):
    dependencies = [
        ("keyaccounts", "0002_funnel_rollup"),
        ("ltc", "0020_rollup_dirty"),
        ("opportunities", "0009_opportunity_rollup_key"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        dirty_trigger("funnel_dirty_opp", "opportunities_opportunity", "funnel", OPPORTUNITY_KEY),
        dirty_trigger("funnel_dirty_review", "ltc_gatereview", "funnel", REVIEW_KEY),
    ]
