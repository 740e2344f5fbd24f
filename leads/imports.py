"""Importing leads from CSV or XLSX (the import machinery is the parties app's).

Each row's company is matched to a customer by its normalised name (one query per batch); a
customer with an account manager takes the lead (客户报备). A row is a duplicate of an open lead
(or an earlier row) for the same company with the same title, contact phone or e-mail: it is
reported as such in the preview, and "valid rows only" leaves it out. Rows without an owner are
routed by the distribution rules when written — never during the preview.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Industry
from accounts.imports import Column, Importer, Row, register
from accounts.imports.base import (
    ChoiceParser,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_email,
    parse_phone,
    parse_text,
)
from accounts.models import Customer, CustomerAlias, User
from accounts.normalise import normalise_company_name, normalise_email, normalise_phone
from core import locks, policy
from core.choices import Currency
from core.exports import ExportColumn
from core.messages import message
from core.notifications import notify

from . import scoring
from .choices import OPEN_STATES, BuyingPattern, LeadSource
from .distribution import BulkRouter
from .merge import LEAD_IMPORT
from .models import Lead

BOOLEANS = ("budget_confirmed", "authority_identified", "need_confirmed", "timeline_confirmed")


def _lead_keys(company_key: str, title: str, phone: str, email: str) -> list[tuple]:
    """What makes two leads of one company the same: the title, or the contact's phone or
    e-mail (normalised, as leads.merge compares them on capture)."""
    if not company_key:
        return []
    keys = [(company_key, "title", (title or "").strip().casefold())]
    if phone_key := normalise_phone(phone or ""):
        keys.append((company_key, "phone", phone_key))
    if email_key := normalise_email(email or ""):
        keys.append((company_key, "email", email_key))
    return [key for key in keys if key[2]]


@register
class LeadImporter(Importer):
    kind = "leads"
    label = gettext_lazy("Leads")
    model = Lead
    copy_built = True  # routed and scored by `build`, then written with COPY (PostgreSQL)
    columns = [
        Column("title", gettext_lazy("Title"), ("标题", "线索", "线索名称", "lead"), required=True),
        Column(
            "company",
            gettext_lazy("Company"),
            ("公司", "客户", "客户名称", "公司名称", "customer", "company name"),
            required=True,
        ),
        Column("contact_name", gettext_lazy("Contact name"), ("联系人", "contact")),
        Column("contact_phone", gettext_lazy("Contact phone"), ("电话", "联系电话", "phone")),
        Column("contact_email", gettext_lazy("Contact e-mail"), ("邮箱", "email", "e-mail")),
        Column("need", gettext_lazy("Pain point / need"), ("需求", "痛点", "need")),
        Column("product_interest", gettext_lazy("Product interest"), ("产品", "product")),
        Column("region", gettext_lazy("Province / region"), ("省份", "地区", "region")),
        Column("industry", gettext_lazy("Industry"), ("行业",)),
        Column(
            "estimated_amount", gettext_lazy("Estimated amount"), ("金额", "预计金额", "amount")
        ),
        Column("currency", gettext_lazy("Currency"), ("币种",)),
        Column("expected_close_date", gettext_lazy("Expected timeline"), ("预计时间", "date")),
        Column("source", gettext_lazy("Source"), ("来源",)),
        Column("source_detail", gettext_lazy("Source detail"), ("来源说明",)),
        Column("buying_pattern", gettext_lazy("Buying pattern"), ("购买模式",)),
        Column("budget_confirmed", gettext_lazy("Budget confirmed"), ("预算已确认",)),
        Column("authority_identified", gettext_lazy("Authority identified"), ("决策人已识别",)),
        Column("need_confirmed", gettext_lazy("Need confirmed"), ("需求已确认",)),
        Column("timeline_confirmed", gettext_lazy("Timeline confirmed"), ("时间已确认",)),
        Column("owner", gettext_lazy("Owner"), ("负责人", "username")),
        Column("org_unit", gettext_lazy("Org unit"), ("组织", "unit")),
    ]

    @classmethod
    def allowed(cls, user: User) -> bool:
        """Sales roles import leads; finance does not work leads."""
        return policy.may(user, "sales.work")

    def __init__(self, job):
        super().__init__(job)
        self.industry = ChoiceParser(Industry, "")
        self.currency = ChoiceParser(Currency, Currency.CNY)
        self.source = ChoiceParser(LeadSource, LeadSource.IMPORT)
        self.pattern = ChoiceParser(BuyingPattern, BuyingPattern.OCCASIONAL)
        self.tiers: dict[int, str] = {}
        self.router = BulkRouter()  # one commit's routing: each rule locked and read once

    def clean(self, row: Row) -> None:
        company = parse_text(row, "company", 200, required=True)
        company_key = normalise_company_name(company)
        if company and not company_key:
            row.error("company", _("This is not a company name: %(value)s") % {"value": company})
        row.values.update(
            title=parse_text(row, "title", 200, required=True),
            company_name=company,
            company_key=company_key,
            contact_name=parse_text(row, "contact_name", 120),
            contact_phone=parse_phone(row, "contact_phone"),
            contact_email=parse_email(row, "contact_email"),
            need=parse_text(row, "need", 4000),
            product_interest=parse_text(row, "product_interest", 200),
            region=parse_text(row, "region", 60),
            industry=self.industry(row, "industry"),
            estimated_amount=parse_decimal(row, "estimated_amount"),
            currency=self.currency(row, "currency"),
            expected_close_date=parse_date(row, "expected_close_date"),
            source=self.source(row, "source"),
            source_detail=parse_text(row, "source_detail", 200),
            buying_pattern=self.pattern(row, "buying_pattern"),
            **{key: parse_bool(row, key) for key in BOOLEANS},
        )

    def check(self, rows: list[Row]) -> None:
        self.load_people(rows)
        self.load_units(rows)
        keys = {r.values["company_key"] for r in rows} - {""}
        customers: dict[str, Customer] = {}
        for customer in (
            Customer.objects.filter(normalised_name__in=keys)
            .select_related("owner", "org_unit")
            .order_by(F("owner_id").asc(nulls_last=True), "pk")
        ):
            customers.setdefault(customer.normalised_name, customer)
            self.tiers[customer.pk] = customer.tier
        for alias in CustomerAlias.objects.filter(
            normalised_alias__in=keys - set(customers), customer__merged_into__isnull=True
        ).select_related("customer__owner", "customer__org_unit"):
            customers[alias.normalised_alias] = alias.customer  # 广东移动: its customer
            self.tiers[alias.customer_id] = alias.customer.tier
        open_leads: dict[tuple, list[dict]] = {}
        for lead in Lead.objects.filter(company_key__in=keys, state__in=OPEN_STATES).values(
            "pk", "title", "company_key", "contact_phone", "contact_email", "owner__username"
        ):
            match = {
                "id": lead["pk"],
                "name": lead["title"],
                "owner": lead["owner__username"] or "",
            }
            for key in _lead_keys(
                lead["company_key"], lead["title"], lead["contact_phone"], lead["contact_email"]
            ):
                open_leads.setdefault(key, []).append(match)
        for row in rows:
            values = row.values
            self._assign(row, customers.get(values["company_key"]))
            keys = _lead_keys(
                values["company_key"],
                values["title"],
                values["contact_phone"],
                values["contact_email"],
            )
            found = next((open_leads[key] for key in keys if key in open_leads), None)
            if found is not None:
                row.duplicate_of(
                    _("An open lead for this company has this title, phone or e-mail: %(ids)s.")
                    % {"ids": ", ".join(f"#{m['id']}" for m in found[:3])},
                    found,
                )
                continue
            earlier = [first for key in keys if (first := self.remember(row, key))]
            if earlier:
                row.duplicate_of(
                    _("Same company and title, phone or e-mail as row %(row)s.")
                    % {"row": earlier[0]}
                )

    def _assign(self, row: Row, customer: Customer | None) -> None:
        owner = self.owner(row)
        row.values["customer"] = customer
        if customer is not None:
            row.values["region"] = row.values["region"] or customer.region
            row.values["industry"] = row.values["industry"] or customer.industry
        registered = customer is not None and customer.owner_id and customer.owner.is_active
        if registered and (owner is None or not policy.may(self.by, "leads.manage_distribution")):
            row.values["owner"], row.values["org_unit"] = customer.owner, customer.org_unit
            return
        row.values["owner"] = owner
        row.values["org_unit"] = self.org_unit(
            row, owner.org_unit if owner is not None else self.by.org_unit
        )

    def lock(self) -> None:
        """Lead imports commit one at a time, so two files with the same lead (company and
        title) do not both write it: each commit's duplicate check sees the other's rows."""
        locks.hold(LEAD_IMPORT, locks.WHOLE)

    def build(self, row: Row) -> Lead:
        lead = Lead(**row.values)
        if lead.owner_id is None:
            decision = self.router.route(lead, by=self.by)
            if decision is not None:
                lead.owner, lead.org_unit = decision.owner, decision.org_unit
        lead.score, lead.score_breakdown = scoring.compute(
            lead, tier=self.tiers.get(lead.customer_id, "")
        )
        return lead

    def finished(self, created: list[Lead]) -> None:
        """The rules' turns taken by the batch are saved; one notification per new owner, not
        one per lead."""
        self.router.save_turns()
        counts = Counter(lead.owner_id for lead in created if lead.owner_id)
        counts.pop(self.by.pk, None)
        if not counts:
            return
        owners = User.objects.in_bulk(list(counts))
        for owner_id, count in counts.items():
            notify(
                recipients=[owners[owner_id]],
                kind="lead.assigned",
                url=f"{reverse('leads:list')}?owner={owner_id}&source={LeadSource.IMPORT}",
                message=message("lead.imported", n=count, file=self.job.file_name),
            )


def lead_export_columns() -> list[ExportColumn]:
    """The export's columns: the import's own (so a file can go back in), plus state and
    score."""
    labels = {c.key: c.label for c in LeadImporter.columns}
    columns = [
        ExportColumn(gettext_lazy("Id"), lambda lead: lead.pk),
        ExportColumn(labels["title"], lambda lead: lead.title),
        ExportColumn(labels["company"], lambda lead: lead.company),
        ExportColumn(gettext_lazy("State"), lambda lead: lead.get_state_display()),
        ExportColumn(gettext_lazy("Score"), lambda lead: lead.score),
    ]
    for key in (
        "contact_name",
        "contact_phone",
        "contact_email",
        "need",
        "product_interest",
        "region",
    ):
        columns.append(ExportColumn(labels[key], lambda lead, key=key: getattr(lead, key)))
    columns += [
        ExportColumn(labels["industry"], lambda lead: lead.get_industry_display()),
        ExportColumn(labels["estimated_amount"], lambda lead: lead.estimated_amount),
        ExportColumn(labels["currency"], lambda lead: lead.currency),
        ExportColumn(labels["expected_close_date"], lambda lead: lead.expected_close_date),
        ExportColumn(labels["source"], lambda lead: lead.get_source_display()),
        ExportColumn(labels["source_detail"], lambda lead: lead.source_detail),
        ExportColumn(labels["buying_pattern"], lambda lead: lead.get_buying_pattern_display()),
        *[
            ExportColumn(labels[key], lambda lead, key=key: "yes" if getattr(lead, key) else "no")
            for key in BOOLEANS
        ],
        ExportColumn(labels["owner"], lambda lead: lead.owner.username if lead.owner_id else ""),
        ExportColumn(labels["org_unit"], lambda lead: lead.org_unit.code),
        ExportColumn(gettext_lazy("Created at"), lambda lead: lead.created_at),
    ]
    return columns
