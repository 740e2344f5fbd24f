"""Demo parties: the org tree, one user per role, provincial customers."""

from decimal import Decimal

from core.choices import OrgUnitKind, Role
from core.demo import DemoContext, register
from core.models import AuthorityRule
from core.validators import clean_phone

from .choices import Industry, Tier
from .models import Contact, Customer, OrgUnit, User

UNITS = [
    # code, name, kind, parent code
    ("hq", "Huaxin Technologies (华信科技)", OrgUnitKind.COMPANY, None),
    ("south", "South China Region (华南区)", OrgUnitKind.REGION, "hq"),
    ("gd", "Guangdong Office (广东代表处)", OrgUnitKind.OFFICE, "south"),
    ("gd-carrier", "Guangdong Carrier Team (运营商团队)", OrgUnitKind.TEAM, "gd"),
    ("gd-gov", "Guangdong Government Team (政企团队)", OrgUnitKind.TEAM, "gd"),
    ("east", "East China Region (华东区)", OrgUnitKind.REGION, "hq"),
    ("js", "Jiangsu Office (江苏代表处)", OrgUnitKind.OFFICE, "east"),
    ("js-carrier", "Jiangsu Carrier Team (运营商团队)", OrgUnitKind.TEAM, "js"),
]

USERS = [
    # username, first, last, role, unit, title
    ("admin", "Ada", "Admin", Role.ADMIN, "hq", "System administrator"),
    ("ar.chen", "Chen", "Wei", Role.SALES_REP, "gd-carrier", "Account manager 客户经理"),
    ("sr.li", "Li", "Na", Role.SOLUTION_MANAGER, "gd-carrier", "Solution manager 方案经理"),
    (
        "fr.wang",
        "Wang",
        "Qiang",
        Role.FULFILLMENT_MANAGER,
        "gd-carrier",
        "Delivery manager 交付经理",
    ),
    ("mgr.zhao", "Zhao", "Min", Role.SALES_MANAGER, "gd-carrier", "Team sales manager"),
    ("dir.liu", "Liu", "Yang", Role.SALES_MANAGER, "gd", "Representative office director"),
    ("ar.he", "He", "Jing", Role.SALES_REP, "gd-gov", "Account manager 客户经理"),
    ("fin.sun", "Sun", "Li", Role.FINANCE, "south", "Collections accountant 财经"),
    ("ar.zhou", "Zhou", "Tao", Role.SALES_REP, "js-carrier", "Account manager 客户经理"),
    ("mgr.wu", "Wu", "Hao", Role.SALES_MANAGER, "js-carrier", "Team sales manager"),
    ("sr.zhu", "Zhu", "Yan", Role.SOLUTION_MANAGER, "js-carrier", "Solution manager 方案经理"),
    (
        "fr.qian",
        "Qian",
        "Lei",
        Role.FULFILLMENT_MANAGER,
        "js-carrier",
        "Delivery manager 交付经理",
    ),
    # Configured roles (issue 20.1, `ROLES` below) on top of a built-in role.
    ("audit.ma", "Ma", "Jun", Role.SALES_REP, "hq", "Internal auditor 审计"),
    ("presales.gao", "Gao", "Fei", Role.SOLUTION_MANAGER, "js", "Presales engineer 售前工程师"),
]

#: Configured roles (issue 20.1): code, English and Chinese names, permissions, and who holds
#: each where: (username, unit code, scope).
ROLES = [
    (
        "auditor",
        "Auditor",
        "审计员",
        [
            f"{area}.{action}"
            for area in (
                *("customers", "contacts", "leads", "opportunities", "quotes", "contracts"),
                *("milestones", "receipts", "key_accounts", "reports"),
            )
            for action in ("view", "see_amounts")
        ],
        [("audit.ma", "hq", "company")],
    ),
    (
        "presales",
        "Presales engineer",
        "售前工程师",
        [
            *("customers.view", "contacts.view", "opportunities.view", "opportunities.change"),
            *("quotes.view", "quotes.change", "gates.take_part"),
        ],
        [("presales.gao", "gd-gov", "team"), ("presales.gao", "js-carrier", "team")],
    ),
]

CUSTOMERS = [
    # key, name, credit code, industry, region, tier, owner, unit
    (
        "cmcc-gd",
        "中国移动通信集团广东有限公司",
        "91440000719275374D",
        Industry.TELECOM,
        "广东",
        Tier.STRATEGIC,
        "ar.chen",
        "gd-carrier",
    ),
    (
        "ct-gd",
        "中国电信股份有限公司广东分公司",
        "91440000724770268X",
        Industry.TELECOM,
        "广东",
        Tier.KEY,
        "ar.chen",
        "gd-carrier",
    ),
    (
        "gz-hospital",
        "广州市第一人民医院",
        "12440100455353364T",
        Industry.HEALTHCARE,
        "广东",
        Tier.KEY,
        "ar.he",
        "gd-gov",
    ),
    (
        "sz-data",
        "深圳市政务服务数据管理局",
        "11440300MB2C93421X",
        Industry.GOVERNMENT,
        "广东",
        Tier.NORMAL,
        "ar.he",
        "gd-gov",
    ),
    (
        # a duplicate of cmcc-gd, typed differently: the customer page offers to merge it
        "cmcc-gd-dup",
        "中国移动通信集团广东 有限责任公司",
        "",
        Industry.TELECOM,
        "广东",
        Tier.NORMAL,
        "ar.chen",
        "gd-carrier",
    ),
    (
        "cu-js",
        "中国联合网络通信有限公司江苏省分公司",
        "91320000714089285C",
        Industry.TELECOM,
        "江苏",
        Tier.STRATEGIC,
        "ar.zhou",
        "js-carrier",
    ),
]

CONTACTS = [
    ("cmcc-gd", "黄建国", "Deputy general manager", "Network department", "13800138001"),
    ("cmcc-gd", "林晓", "Procurement lead", "Procurement centre", "13800138002"),
    ("ct-gd", "郑海", "CTO", "Technology", "13900139001"),
    ("gz-hospital", "Dr. 马琳", "Head of IT", "Information centre", "13700137001"),
    ("cu-js", "徐斌", "Network planning manager", "Planning", "13600136001"),
]


@register(10, "accounts")
def seed(ctx: DemoContext) -> None:
    units = {}
    for code, name, kind, parent in UNITS:
        units[code] = OrgUnit.objects.create(
            code=code, name=name, kind=kind, parent=units.get(parent)
        )
    users = {}
    for username, first, last, role, unit, title in USERS:
        user = User(
            username=username,
            first_name=first,
            last_name=last,
            role=role,
            org_unit=units[unit],
            title=title,
            email=f"{username}@demo.example",
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        user.set_password(ctx.password)
        user.save()
        users[username] = user
    customers = {}
    for key, name, code, industry, region, tier, owner, unit in CUSTOMERS:
        customers[key] = Customer.objects.create(
            name=name,
            credit_code=code,
            industry=industry,
            region=region,
            tier=tier,
            owner=users[owner],
            org_unit=units[unit],
        )
    for key, name, title, department, phone in CONTACTS:
        Contact.objects.create(
            customer=customers[key],
            name=name,
            title=title,
            department=department,
            phone=clean_phone(phone),
        )
    AuthorityRule.objects.create(
        org_unit=units["gd"],
        max_amount=Decimal("5000000"),
        min_margin_pct=Decimal("20"),
        min_down_payment_pct=Decimal("10"),
        escalate_on_high_risk=True,
    )
    AuthorityRule.objects.create(
        org_unit=units["js"], max_amount=Decimal("3000000"), min_margin_pct=Decimal("18")
    )
    _seed_roles(users, units)
    _seed_sign_in_rules(users, units)
    ctx.data.update(units=units, users=users, customers=customers)


def _seed_sign_in_rules(users: dict, units: dict) -> None:
    """Two single sign-on mapping rules (ADR 25), as a company with an IdP would set them."""
    from .sso.services import sso_rule_create

    for claim, pattern, unit, role in (
        ("groups", "sales-gd-carrier", "gd-carrier", "sales_rep"),
        ("groups", "finance-*", "south", "finance"),
    ):
        sso_rule_create(
            by=users["admin"],
            data={"claim": claim, "pattern": pattern, "org_unit": units[unit], "role": role},
        )


def _seed_roles(users: dict, units: dict) -> None:
    from .services import role_assign, role_create

    for code, name_en, name_zh, permissions, holders in ROLES:
        role = role_create(
            by=users["admin"],
            data={"code": code, "name_en": name_en, "name_zh": name_zh, "permissions": permissions},
        )
        for username, unit, scope in holders:
            role_assign(
                by=users["admin"],
                user=users[username],
                role=role,
                org_unit=units[unit],
                scope=scope,
            )


@register(11, "registrations")
def seed_registrations(ctx: DemoContext) -> None:
    """客户报备: the carrier team's rep holds China Mobile Guangdong, the government team's rep
    the hospital; the carrier team's solution manager asks for a ruling on a project at China
    Mobile, which the team manager and the office director are asked to decide."""
    from .services import registration_create

    users, customers = ctx.data["users"], ctx.data["customers"]
    registration_create(by=users["ar.chen"], customer=customers["cmcc-gd"])
    registration_create(by=users["ar.he"], customer=customers["gz-hospital"])
    registration_create(
        by=users["sr.li"],
        customer=customers["cmcc-gd"],
        project="5G private network for the power grid",
        contest=True,
    )


@register(12, "vetting")
def seed_vetting(ctx: DemoContext) -> None:
    """客户审批: two customers the carrier team's rep filed wait for approval in the team
    manager's queue (the office director may decide them too)."""
    from .services import customer_create

    users = ctx.data["users"]
    for name, industry, revenue in (
        ("深圳地铁集团有限公司", Industry.TRANSPORT, Decimal("12000000000")),
        ("珠海市人民医院", Industry.HEALTHCARE, Decimal("800000000")),
    ):
        customer_create(
            by=users["ar.chen"],
            data={"name": name, "industry": industry, "region": "广东", "annual_revenue": revenue},
            pending=True,
        )
