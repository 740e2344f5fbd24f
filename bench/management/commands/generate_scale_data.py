"""Build an enterprise-size data set for the benchmarks in `bench/`.

`manage.py generate_scale_data` makes, by default, an org tree of 2,000 users (company →
regions → representative offices → teams), 100,000 customers with contacts, 1,000,000 leads,
300,000 opportunities with iron triangles, decision chains and gate reviews, 100,000 contracts,
400,000 payment milestones with their invoices, receipts and allocations, and activities.
`--scale 0.01` multiplies every default count. On PostgreSQL the rows go in with COPY.

The rows are written directly (not through services), so the command keeps the invariants the
services would: states match the gates passed and the money, the books reconcile
(`receivables.selectors.reconciliation` is empty), names are normalised, numbers derived.
It writes no audit trail: the generated records have no history.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import (
    Activity,
    Contact,
    Customer,
    IronTriangle,
    IronTriangleMember,
    OrgUnit,
    User,
)
from accounts.normalise import normalise_company_name
from bench.bulk import BulkWriter
from contracts.models import Contract
from core.choices import GateKind, OrgUnitKind, Role
from core.models import GateAssessment, GateReview
from core.validators import complete_credit_code
from leads.models import Lead
from opportunities.choices import DEFAULT_STAGE_PROBABILITY
from opportunities.models import DecisionChainMember, Opportunity
from receivables.models import (
    Invoice,
    PaymentMilestone,
    PaymentTrigger,
    Receipt,
    ReceiptAllocation,
)

PASSWORD = "ltc-bench-2026"
DEFAULTS = {
    "users": 2_000,
    "customers": 100_000,
    "leads": 1_000_000,
    "opportunities": 300_000,
    "contracts": 100_000,
    "milestones": 400_000,
    "activities": 500_000,
}
CITIES = ["广州", "深圳", "佛山", "东莞", "珠海", "南京", "苏州", "无锡", "杭州", "成都"]
TRADES = ["科技", "电子", "通信", "能源", "医疗", "物流", "软件", "制造", "电力", "银行"]
FORMS = ["有限公司", "股份有限公司", "有限责任公司", "Co., Ltd."]
PROVINCES = ["广东", "江苏", "浙江", "四川", "北京", "上海"]
INDUSTRIES = ["telecom", "government", "healthcare", "energy", "finance", "manufacturing"]
LEAD_STATES = [  # (state, weight) of the leads not converted into an opportunity
    ("new", 20),
    ("verifying", 12),
    ("verified", 8),
    ("distributed", 8),
    ("nurturing", 22),
    ("disqualified", 30),
]
OPEN_STAGE_WEIGHTS = [
    ("identified", 30),
    ("initiated", 15),
    ("guiding", 15),
    ("bidding", 15),
    ("bid_submitted", 10),
    ("negotiating", 15),
]
STAGE_ORDER = [s for s, _w in OPEN_STAGE_WEIGHTS] + ["won"]
CONTRACT_STATES = [
    ("signed", 5),
    ("accepted", 5),
    ("in_delivery", 40),
    ("delivered", 20),
    ("closed", 22),
    ("evaluated", 8),
]
PLANS = {  # milestones per contract → (kind, trigger, percentage, days after signing)
    1: [("down_payment", "on_signing", 100, 0)],
    2: [("down_payment", "on_signing", 50, 0), ("acceptance", "on_acceptance", 50, 150)],
    3: [
        ("down_payment", "on_signing", 30, 0),
        ("acceptance", "on_acceptance", 60, 150),
        ("warranty", "on_warranty_end", 10, 515),
    ],
    4: [
        ("down_payment", "on_signing", 30, 0),
        ("arrival", "on_arrival", 30, 60),
        ("acceptance", "on_acceptance", 30, 150),
        ("warranty", "on_warranty_end", 10, 515),
    ],
}
#: How far a contract in each state got: the triggers that happened.
REACHED = {
    "signed": {"on_signing"},
    "accepted": {"on_signing"},
    "in_delivery": {"on_signing", "on_arrival"},
    "delivered": {"on_signing", "on_arrival", "on_acceptance"},
    "closed": {"on_signing", "on_arrival", "on_acceptance", "on_warranty_end"},
    "evaluated": {"on_signing", "on_arrival", "on_acceptance", "on_warranty_end"},
}
CENT = Decimal("0.01")


MODELS = [
    OrgUnit,
    User,
    Customer,
    Contact,
    IronTriangle,
    IronTriangleMember,
    Lead,
    Opportunity,
    GateReview,
    GateAssessment,
    DecisionChainMember,
    Contract,
    PaymentMilestone,
    PaymentTrigger,
    Invoice,
    Receipt,
    ReceiptAllocation,
    Activity,
]


def fast_load_begin(models) -> list[str]:
    """PostgreSQL: drop the plain (non-constraint) indexes of the tables about to be loaded and
    skip foreign-key triggers for this transaction; returns the index definitions to rebuild.

    Maintaining ten-odd indexes row by row and queueing millions of deferred FK checks is most
    of the load time; building an index once at the end is several times cheaper. The
    generator hands out the ids itself; its test (tests/bench, SQLite, where every foreign
    key is checked at commit) guards against a dangling reference.
    """
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        cursor.execute("SET LOCAL session_replication_role = replica")
    return [definition for _name, definition in indexes]


def fast_load_end(definitions: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for definition in definitions:
            cursor.execute(definition)


def pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


class Command(BaseCommand):
    help = "Generate an enterprise-size data set (for bench/); --scale multiplies the defaults."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0)
        for name, default in DEFAULTS.items():
            parser.add_argument(f"--{name}", type=int, help=f"default {default:,} × scale")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--no-fast-load",
            dest="fast_load",
            action="store_false",
            help="PostgreSQL: keep secondary indexes and foreign-key triggers during the load "
            "(by default they are dropped/skipped and the indexes rebuilt at the end)",
        )

    def handle(self, *args, scale: float, seed: int, fast_load: bool = True, **options):
        counts = {
            name: options[name] if options[name] is not None else max(1, round(d * scale))
            for name, d in DEFAULTS.items()
        }
        counts["users"] = max(counts["users"], 12)
        counts["contracts"] = min(counts["contracts"], counts["opportunities"])
        if User.objects.filter(username="scale-ceo").exists():
            raise CommandError("The scale data set is already here (user scale-ceo exists).")
        started = time.monotonic()
        with transaction.atomic():
            generator = ScaleData(counts, random.Random(seed), self.stdout)  # noqa: S311
            if connection.vendor == "postgresql" and fast_load:
                indexes = fast_load_begin(MODELS)
                written = generator.run()
                generator.log(f"recreating {len(indexes)} indexes")
                fast_load_end(indexes)
            else:
                written = generator.run()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        total = sum(written.values())
        self.stdout.write(
            f"{total:,} rows in {time.monotonic() - started:.1f}s ({connection.vendor}): "
            + ", ".join(f"{model} {n:,}" for model, n in written.items())
        )


class ScaleData:
    """One generation run: the writers, the ids handed out and what later rows point at."""

    def __init__(self, counts: dict, rng: random.Random, out):
        self.counts, self.rng, self.out = counts, rng, out
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.written: dict[str, int] = {}
        self.started = time.monotonic()

    def log(self, what: str) -> None:
        self.out.write(f"  {time.monotonic() - self.started:6.1f}s {what} …")

    def close(self, *writers: BulkWriter) -> None:
        for writer in writers:
            self.written[writer.model.__name__] = writer.close()

    def days_ago(self, low: int, high: int) -> dt.datetime:
        return self.now - dt.timedelta(days=self.rng.randint(low, high), minutes=self.rng.random())

    def run(self) -> dict[str, int]:
        self.log("org tree and users")
        self.org_and_users()
        self.log("customers and contacts")
        self.customers_and_contacts()
        self.triangles = BulkWriter(IronTriangle)
        self.members = BulkWriter(IronTriangleMember)
        self.leads = BulkWriter(Lead)
        self.log("opportunities, gate reviews, decision chains")
        self.opportunities()
        self.log("leads")
        self.other_leads()
        self.log("contracts and payment plans")
        self.contracts_and_money()
        self.close(self.triangles, self.members, self.leads)
        self.log("activities")
        self.activities()
        return self.written

    # --- parties ---------------------------------------------------------------------------

    def org_and_users(self) -> None:
        n_users = self.counts["users"]
        n_regions = max(1, round(n_users / 400))
        n_offices = max(n_regions, round(n_users / 80))
        n_teams = max(n_offices, round(n_users / 10))
        units = BulkWriter(OrgUnit)

        def unit(name: str, code: str, kind: str, parent: tuple | None) -> tuple[int, str]:
            pk = units.next_id()
            path = f"{parent[1] if parent else '/'}{pk}/"
            units.add(
                id=pk,
                name=name,
                code=code,
                kind=kind,
                parent_id=parent[0] if parent else None,
                path=path,
                depth=path.count("/") - 2,
            )
            return pk, path

        company = unit("Scale Corp", "scale-corp", OrgUnitKind.COMPANY, None)
        regions = [
            unit(f"Region {i + 1}", f"scale-r{i + 1}", OrgUnitKind.REGION, company)
            for i in range(n_regions)
        ]
        offices = [
            unit(f"Office {i + 1}", f"scale-o{i + 1}", OrgUnitKind.OFFICE, regions[i % n_regions])
            for i in range(n_offices)
        ]
        teams = [
            unit(f"Team {i + 1}", f"scale-t{i + 1}", OrgUnitKind.TEAM, offices[i % n_offices])
            for i in range(n_teams)
        ]
        self.close(units)
        self.company, self.regions, self.offices = company[0], regions, offices
        self.team_office = {t[0]: offices[i % n_offices][0] for i, t in enumerate(teams)}

        users = BulkWriter(User)
        password = make_password(PASSWORD)

        def user(name: str, role: str, unit_id: int) -> int:
            return users.add(
                username=name,
                password=password,
                email=f"{name}@scale.example",
                first_name=name,
                role=role,
                org_unit_id=unit_id,
                date_joined=self.now,
                is_active=True,
            )

        user("scale-ceo", Role.SALES_MANAGER, company[0])
        self.region_managers = [
            user(f"scale-rm{i + 1}", Role.SALES_MANAGER, r[0]) for i, r in enumerate(regions)
        ]
        self.office_finance = {}
        for i, office in enumerate(offices):
            user(f"scale-dir{i + 1}", Role.SALES_MANAGER, office[0])
            self.office_finance[office[0]] = user(f"scale-fin{i + 1}", Role.FINANCE, office[0])
        # teams: a manager, an SR and an FR each, the rest of the users are reps
        self.team_manager, self.team_sr, self.team_fr = {}, {}, {}
        self.reps: list[tuple[int, int]] = []  # (user id, team id)
        for i, (team_id, _path) in enumerate(teams):
            self.team_manager[team_id] = user(f"scale-mgr{i + 1}", Role.SALES_MANAGER, team_id)
            self.team_sr[team_id] = user(f"scale-sr{i + 1}", Role.SOLUTION_MANAGER, team_id)
            self.team_fr[team_id] = user(f"scale-fr{i + 1}", Role.FULFILLMENT_MANAGER, team_id)
        remaining = max(n_users - users.written - len(users.rows), n_teams)
        for i in range(remaining):
            team_id = teams[i % n_teams][0]
            self.reps.append((user(f"scale-rep{i + 1}", Role.SALES_REP, team_id), team_id))
        self.close(users)

    def company_name(self, i: int) -> str:
        return f"{CITIES[i % 10]}{TRADES[i // 10 % 10]}{i}号{FORMS[i // 100 % 4]}"

    def customers_and_contacts(self) -> None:
        customers, contacts = BulkWriter(Customer), BulkWriter(Contact)
        self.customers: list[tuple[int, int, int, str]] = []  # id, owner, team, normalised
        self.contacts: dict[int, list[int]] = {}
        rng = self.rng
        for i in range(self.counts["customers"]):
            owner, team_id = self.reps[rng.randrange(len(self.reps))]
            name = self.company_name(i)
            key = normalise_company_name(name)
            pk = customers.next_id()
            tier = pick(rng, [("strategic", 2), ("key", 8), ("normal", 90)])
            customers.add(
                id=pk,
                name=name,
                normalised_name=key,
                credit_code=complete_credit_code(f"91{pk:015d}"),
                industry=INDUSTRIES[i % len(INDUSTRIES)],
                region=PROVINCES[i % len(PROVINCES)],
                tier=tier,
                owner_id=owner,
                org_unit_id=team_id,
                created_at=self.days_ago(30, 2000),
            )
            self.customers.append((pk, owner, team_id, key))
            self.contacts[pk] = [
                contacts.add(customer_id=pk, name=f"联系人{pk}-{n}", title=title)
                for n, title in enumerate(("总经理", "采购经理"))
            ]
        self.close(customers, contacts)

    # --- opportunities ---------------------------------------------------------------------

    def triangle(self, ar: int, team_id: int) -> int:
        pk = self.triangles.add()
        for role, user in (
            ("ar", ar),
            ("sr", self.team_sr[team_id]),
            ("fr", self.team_fr[team_id]),
        ):
            self.members.add(team_id=pk, user_id=user, role=role)
        return pk

    def opportunities(self) -> None:
        rng = self.rng
        opps = BulkWriter(Opportunity)
        reviews, assessments = BulkWriter(GateReview), BulkWriter(GateAssessment)
        chain = BulkWriter(DecisionChainMember)
        opp_type = ContentType.objects.get_for_model(Opportunity).pk
        n_opps, n_won = self.counts["opportunities"], self.counts["contracts"]
        self.won: list[dict] = []
        self.converted: list[tuple[int, tuple, int]] = []  # lead id, customer, opportunity id
        for i in range(n_opps):
            if i < n_won:
                stage = "won"
            elif rng.random() < 0.45:
                stage = pick(rng, [("lost", 60), ("abandoned", 40)])
            else:
                stage = pick(rng, OPEN_STAGE_WEIGHTS)
            customer = self.customers[rng.randrange(len(self.customers))]
            customer_id, owner, team_id, _key = customer
            pk = opps.next_id()
            triangle = self.triangle(owner, team_id)
            lead_id = None
            if rng.random() < 0.6:
                lead_id = self.leads.next_id()
                self.converted.append((lead_id, customer, pk))
            amount = Decimal(rng.randrange(1_000, 200_000) * 100)
            created = self.days_ago(40, 1500)
            closed = stage in ("won", "lost", "abandoned")
            reached = (
                STAGE_ORDER.index(stage)
                if stage in STAGE_ORDER
                else rng.randrange(len(OPEN_STAGE_WEIGHTS))
            )
            opps.add(
                id=pk,
                number=f"OPP-{pk:06d}",
                name=f"{TRADES[i % 10]}项目 {pk}",
                customer_id=customer_id,
                lead_id=lead_id,
                owner_id=owner,
                org_unit_id=team_id,
                team_id=triangle,
                product_line=["5G", "IoT", "Cloud", "Data center"][i % 4],
                amount=amount,
                margin_pct=Decimal(rng.randrange(5, 45)),
                down_payment_pct=Decimal(rng.choice([10, 20, 30])),
                expected_close_date=self.today + dt.timedelta(days=rng.randint(-200, 300)),
                forecast_category=rng.choice(["commit", "best_case", "pipeline"]),
                probability_pct=Decimal(DEFAULT_STAGE_PROBABILITY[stage]),
                state=stage,
                state_changed_at=created + dt.timedelta(days=rng.randint(0, 30)),
                close_reason="" if stage == "won" else ("竞争对手价格更低" if closed else ""),
                close_reason_code=(
                    rng.choice(["price", "relationship", "budget"])
                    if stage in ("lost", "abandoned")
                    else ""
                ),
                closed_at=created + dt.timedelta(days=rng.randint(30, 200)) if closed else None,
                created_at=created,
            )
            passed = [GateKind.ATI] * (reached >= 1) + [GateKind.ATB] * (reached >= 4)
            passed += [GateKind.ATC] * (stage == "won")
            gates = [(kind, "go") for kind in passed]
            if stage == "identified" and rng.random() < 0.3:
                gates.append((GateKind.ATI, "open"))
            if stage == "negotiating" and rng.random() < 0.5:
                gates.append((GateKind.ATC, "open"))
            atc = None
            for kind, state in gates:
                review = self.review(
                    reviews, assessments, (opp_type, pk, triangle), kind, state, customer
                )
                atc = review if kind == GateKind.ATC else atc
            for role, contact in zip(
                ("decision_maker", "procurement"), self.contacts[customer_id], strict=True
            ):
                chain.add(
                    opportunity_id=pk,
                    contact_id=contact,
                    role=role,
                    stance=rng.choice(["supporter", "neutral", "opponent"]),
                    relationship=rng.randint(0, 4),
                    coach_level=rng.choice(["none", "informs", "advises", "sways"]),
                )
            if stage == "won":
                self.won.append(dict(opp=pk, customer=customer, amount=amount, atc=atc))
        self.close(opps, reviews, assessments, chain)

    def review(self, reviews, assessments, subject, kind, state, customer):
        """A gate review of `subject` (content type, id, iron triangle) with three assessments."""
        subject_type, subject_id, triangle = subject
        _customer_id, owner, team_id, _key = customer
        decided = state != "open"
        pk = reviews.add(
            subject_type_id=subject_type,
            subject_id=subject_id,
            kind=kind,
            state=state,
            title=f"{kind.upper()} {subject_id}",
            org_unit_id=team_id,
            team_id=triangle,
            authority_unit_id=team_id,
            facts={"amount": "0", "currency": "CNY"},
            opened_by_id=owner,
            decided_by_id=self.team_manager[team_id] if decided else None,
            decided_at=self.now if decided else None,
        )
        seats = (("ar", owner), ("sr", self.team_sr[team_id]), ("fr", self.team_fr[team_id]))
        for role, author in seats:
            assessments.add(
                review_id=pk,
                role=role,
                author_id=author,
                verdict="go",
                confidence=self.rng.randint(50, 95),
                risk_level=self.rng.choice(["low", "medium"]),
            )
        return pk

    # --- leads -----------------------------------------------------------------------------

    def other_leads(self) -> None:
        rng = self.rng
        base = dict(currency="CNY", estimated_amount=None)
        for lead_id, (customer_id, owner, team_id, key), _opp in self.converted:
            created = self.days_ago(60, 1600)
            self.leads.add(
                id=lead_id,
                **base,
                title=f"线索 {lead_id}",
                customer_id=customer_id,
                company_key=key,
                owner_id=owner,
                org_unit_id=team_id,
                state="converted",
                need_confirmed=True,
                budget_confirmed=True,
                authority_identified=True,
                timeline_confirmed=True,
                score=rng.randint(40, 100),
                converted_at=created + dt.timedelta(days=rng.randint(5, 60)),
                created_at=created,
            )
        prospects = max(1, self.counts["customers"] // 2)
        keys: dict[int, str] = {}
        for _i in range(max(0, self.counts["leads"] - len(self.converted))):
            state = pick(rng, LEAD_STATES)
            lead = dict(state=state, score=rng.randint(0, 100), created_at=self.days_ago(0, 900))
            if rng.random() < 0.5:  # a customer's new need
                customer_id, owner, team_id, key = self.customers[
                    rng.randrange(len(self.customers))
                ]
                lead.update(customer_id=customer_id, company_key=key)
            else:  # a company we do not sell to yet
                n = len(self.customers) + rng.randrange(prospects)
                name = self.company_name(n)
                if n not in keys:
                    keys[n] = normalise_company_name(name)
                key = keys[n]
                owner, team_id = self.reps[rng.randrange(len(self.reps))]
                lead.update(company_name=name, company_key=key)
            if state in ("new", "verifying", "disqualified") and rng.random() < 0.3:
                owner = None  # in the team's pool
            if state in ("verified", "distributed", "nurturing"):
                lead.update(
                    need_confirmed=True,
                    budget_confirmed=True,
                    authority_identified=True,
                    timeline_confirmed=True,
                )
            if state == "disqualified":
                lead["disqualify_reason"] = "没有预算"
            self.leads.add(
                **base,
                **lead,
                title=f"线索 {self.leads._next_id}",
                owner_id=owner,
                org_unit_id=team_id,
                region=PROVINCES[rng.randrange(len(PROVINCES))],
                source=rng.choice(["marketing_event", "channel_partner", "customer_inbound"]),
            )

    # --- contracts and money ---------------------------------------------------------------

    def contracts_and_money(self) -> None:
        rng = self.rng
        contracts, milestones = BulkWriter(Contract), BulkWriter(PaymentMilestone)
        triggers, invoices = BulkWriter(PaymentTrigger), BulkWriter(Invoice)
        receipts, allocations = BulkWriter(Receipt), BulkWriter(ReceiptAllocation)
        per_contract = min(4, max(1, round(self.counts["milestones"] / len(self.won))))
        for deal in self.won:
            customer_id, owner, team_id, _key = deal["customer"]
            finance = self.office_finance[self.team_office[team_id]]
            state = pick(rng, CONTRACT_STATES)
            signed = self.today - dt.timedelta(days=rng.randint(0, 1100))
            pk = contracts.next_id()
            confirmed = self.now if state != "signed" else None
            contracts.add(
                id=pk,
                number=f"CON-{pk:06d}",
                title=f"合同 {pk}",
                customer_id=customer_id,
                opportunity_id=deal["opp"],
                atc_review_id=deal["atc"],
                owner_id=owner,
                org_unit_id=team_id,
                team_id=self.triangle(owner, team_id),
                amount=deal["amount"],
                signed_on=signed,
                starts_on=signed,
                ends_on=signed + dt.timedelta(days=730),
                sales_confirmed_by_id=owner if confirmed else None,
                sales_confirmed_at=confirmed,
                delivery_confirmed_by_id=self.team_fr[team_id] if confirmed else None,
                delivery_confirmed_at=confirmed,
                state=state,
            )
            plan = PLANS[per_contract]
            left = deal["amount"]
            for sequence, (kind, trigger, pct, after) in enumerate(plan, start=1):
                amount = left if sequence == len(plan) else deal["amount"] * pct / 100
                left -= amount
                happened = signed + dt.timedelta(days=after)
                if trigger not in REACHED[state] or happened > self.today:
                    milestones.add(
                        contract_id=pk,
                        sequence=sequence,
                        kind=kind,
                        name=kind.replace("_", " ").title(),
                        percentage=Decimal(pct),
                        amount=amount,
                        trigger=trigger,
                        credit_days=30,
                        state="planned",
                    )
                    continue
                triggers.add(contract_id=pk, trigger=trigger, occurred_on=happened)
                due = happened + dt.timedelta(days=30)
                overdue = due < self.today
                if overdue:
                    money = pick(
                        rng, [("paid", 75), ("partly_paid", 8), ("invoiced", 10), ("due", 7)]
                    )
                else:
                    money = pick(rng, [("paid", 10), ("invoiced", 30), ("due", 60)])
                invoiced = amount if money != "due" else Decimal(0)
                paid = {"paid": amount, "partly_paid": (amount / 2).quantize(CENT)}.get(
                    money, Decimal(0)
                )
                milestone = milestones.add(
                    contract_id=pk,
                    sequence=sequence,
                    kind=kind,
                    name=kind.replace("_", " ").title(),
                    percentage=Decimal(pct),
                    amount=amount,
                    trigger=trigger,
                    credit_days=30,
                    triggered_on=happened,
                    due_date=due,
                    state=money,
                    invoiced_amount=invoiced,
                    paid_amount=paid,
                    settled_at=self.now if money == "paid" else None,
                )
                if invoiced:
                    number = invoices.next_id()
                    invoices.add(
                        id=number,
                        number=f"INV-{number:06d}",
                        contract_id=pk,
                        milestone_id=milestone,
                        customer_id=customer_id,
                        amount=invoiced,
                        issued_on=happened,
                        paid_amount=paid,
                        issued_by_id=finance,
                    )
                if paid:
                    receipt = receipts.next_id()
                    receipts.add(
                        id=receipt,
                        number=f"RCP-{receipt:06d}",
                        customer_id=customer_id,
                        contract_id=pk,
                        owner_id=owner,
                        org_unit_id=team_id,
                        amount=paid,
                        received_on=min(due + dt.timedelta(days=rng.randint(-20, 60)), self.today),
                        allocated_amount=paid,
                        recorded_by_id=finance,
                    )
                    allocations.add(
                        receipt_id=receipt,
                        milestone_id=milestone,
                        amount=paid,
                        created_by_id=finance,
                    )
        self.close(contracts, milestones, triggers, invoices, receipts, allocations)

    def activities(self) -> None:
        rng = self.rng
        activities = BulkWriter(Activity)
        opp_type = ContentType.objects.get_for_model(Opportunity).pk
        lead_type = ContentType.objects.get_for_model(Lead).pk
        for i in range(self.counts["activities"] if self.converted else 0):
            lead_id, (customer_id, owner, team_id, _key), opp = self.converted[
                i % len(self.converted)
            ]
            on_lead = rng.random() < 0.5
            occurred = self.days_ago(0, 700)
            activities.add(
                kind=rng.choice(["visit", "call", "email", "meeting", "demo"]),
                subject_type_id=lead_type if on_lead else opp_type,
                subject_id=lead_id if on_lead else opp,
                customer_id=customer_id,
                owner_id=owner,
                org_unit_id=team_id,
                occurred_at=occurred,
                summary="拜访客户，了解需求",
                next_step="提交方案" if rng.random() < 0.3 else "",
                next_step_date=occurred.date() + dt.timedelta(days=7),
                next_step_done_at=occurred if rng.random() < 0.8 else None,
                created_by_id=owner,
            )
        self.close(activities)
