"""Seed the six built-in roles as read-only role definitions (issue 20.1).

They DESCRIBE what the code grants each `User.role` (core.policy and the rules modules); their
behaviour stays in code, so editing these rows could not change it and the services refuse to.
The codes are spelled out here, not imported, so this migration means the same thing forever.
"""

from django.db import migrations

AREAS = [
    "customers",
    "contacts",
    "leads",
    "opportunities",
    "quotes",
    "contracts",
    "milestones",
    "receipts",
    "key_accounts",
    "reports",
]
ACTIONS = ["view", "create", "change", "export", "see_amounts"]
ALL_AREAS = [f"{a}.{x}" for a in AREAS for x in ACTIONS]
SELLING = [
    "activities.follow_up",
    "contracts.run_delivery",
    "gates.take_part",
    "sales.work",
]

BUILTIN = [
    (
        "sales_rep",
        "Sales rep (AR)",
        "销售代表（AR）",
        "Changes what they own or sit on the iron triangle of and their team's unowned pool; "
        "views all of their team's records.",
        [*ALL_AREAS, *SELLING, "keyaccounts.targets_panel", "receivables.chase"],
    ),
    (
        "solution_manager",
        "Solution manager (SR)",
        "解决方案经理（SR）",
        "As a sales rep: their own and their iron triangles' records, their team's to view.",
        [*ALL_AREAS, *SELLING, "keyaccounts.targets_panel"],
    ),
    (
        "fulfillment_manager",
        "Fulfillment manager (FR)",
        "交付经理（FR）",
        "As a sales rep: their own and their iron triangles' records, their team's to view; "
        "decides customers' change requests as the FR.",
        [*ALL_AREAS, *SELLING, "contracts.decide_change"],
    ),
    (
        "sales_manager",
        "Sales manager",
        "销售经理",
        "Views and changes every record of their unit's subtree; approves, distributes, merges.",
        [
            *ALL_AREAS,
            *SELLING,
            "approvals.inbox",
            "contacts.add_duplicate",
            "contracts.suspend_or_terminate",
            "customers.merge",
            "gates.follow_team",
            "keyaccounts.override_tier",
            "keyaccounts.targets_panel",
            "leads.distribute",
            "leads.manage_distribution",
            "prices.approve",
            "receivables.approve_write_off",
            "receivables.collections_board",
        ],
    ),
    (
        "finance",
        "Finance",
        "财务",
        "Views customers, contracts and key accounts of their unit's subtree; keeps payment "
        "milestones, receipts and invoices there.",
        [
            *[f"{a}.{x}" for a in ("customers", "contracts", "key_accounts") for x in ("view",)],
            *[f"{a}.{x}" for a in ("milestones", "receipts") for x in ("view", "create", "change")],
            *[f"{a}.{x}" for a in AREAS for x in ("export", "see_amounts") if a != "leads"],
            "receivables.approve_write_off",
            "receivables.collections_board",
            "receivables.handle_money",
            "receivables.plan",
        ],
    ),
    (
        "admin",
        "Administrator",
        "管理员",
        "Everything, in the whole company; administers people, settings and integrations.",
        [*ALL_AREAS],
    ),
]


def seed(apps, schema_editor):
    RoleDefinition = apps.get_model("accounts", "RoleDefinition")
    for code, name_en, name_zh, description, permissions in BUILTIN:
        RoleDefinition.objects.update_or_create(
            code=code,
            defaults={
                "name_en": name_en,
                "name_zh": name_zh,
                "description": description,
                "builtin": True,
                "permissions": sorted(set(permissions)),
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("accounts", "RoleDefinition").objects.filter(builtin=True).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0010_roles")]

    operations = [migrations.RunPython(seed, unseed)]
