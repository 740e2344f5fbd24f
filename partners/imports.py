"""Importing and exporting channel partners (issue 21.8): CSV or XLSX through the import
machinery of the parties app (preview, row errors, valid rows only, audit per record).

A row is a new candidate partner (admission still goes through the approval engine). Its
partner manager is a person the importer may assign records to (the importer when blank) and
its unit one they may file under (the manager's when blank), as the forms and the API hold.
A name that exists already (case-blind, the database's unique rule) or repeats an earlier row
is a duplicate; the commit holds the partner-import lock so two files do not both add one."""

from __future__ import annotations

import re

from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.imports import Column, Importer, Row, register
from accounts.imports.base import ChoiceParser, parse_phone, parse_text
from accounts.models import User
from core import locks, policy
from core.exports import ExportColumn

from .choices import PartnerTier
from .models import Partner
from .services.partners import split_names

PARTNER_IMPORT = "partners.import"
#: What a file separates names with, besides the commas and 、 the forms take.
_MORE_SEPARATORS = re.compile(r"[;；/]+")


def _words(text: str) -> list[str]:
    """The names of a cell (provinces, product lines) as the forms and the API read them."""
    return split_names(_MORE_SEPARATORS.sub(",", text or ""))


@register
class PartnerImporter(Importer):
    kind = "partners"
    label = gettext_lazy("Channel partners")
    model = Partner
    columns = [
        Column(
            "name", gettext_lazy("Name"), ("名称", "伙伴", "伙伴名称", "partner"), required=True
        ),
        Column("tier", gettext_lazy("Tier"), ("级别", "类型", "伙伴类型"), required=True),
        Column("territories", gettext_lazy("Territory"), ("区域", "地盘", "省份", "territory")),
        Column("product_lines", gettext_lazy("Product lines"), ("产品线", "product lines")),
        Column("manager", gettext_lazy("Partner manager"), ("渠道经理", "manager", "username")),
        Column("org_unit", gettext_lazy("Org unit"), ("组织", "unit")),
        Column("contact_name", gettext_lazy("Contact"), ("联系人", "contact")),
        Column("contact_phone", gettext_lazy("Contact phone"), ("联系电话", "电话", "phone")),
        Column("notes", gettext_lazy("Notes"), ("备注",)),
    ]

    @classmethod
    def allowed(cls, user: User) -> bool:
        """Whoever may add partners (everyone but finance)."""
        return policy.may(user, "partners.manage")

    def __init__(self, job):
        super().__init__(job)
        self.tier = ChoiceParser(
            PartnerTier,
            aliases={
                "总代": PartnerTier.GENERAL_DISTRIBUTOR,
                "总代理": PartnerTier.GENERAL_DISTRIBUTOR,
                "代理": PartnerTier.AGENT,
                "代理商": PartnerTier.AGENT,
                "OEM": PartnerTier.OEM,
                "服务商": PartnerTier.SERVICE_PROVIDER,
            },
        )

    def clean(self, row: Row) -> None:
        name = " ".join(parse_text(row, "name", 200, required=True).split())
        row.values.update(
            name=name,
            tier=self.tier(row, "tier") if row.raw.get("tier", "").strip() else None,
            territories=_words(parse_text(row, "territories", 2000)),
            product_lines=_words(parse_text(row, "product_lines", 2000)),
            contact_name=parse_text(row, "contact_name", 100),
            contact_phone=parse_phone(row, "contact_phone"),
            notes=parse_text(row, "notes", 4000),
        )
        if row.values["tier"] is None and "tier" not in row.errors:
            row.error("tier", _("Required."))

    def check(self, rows: list[Row]) -> None:
        self.load_people(rows, "manager")
        self.load_units(rows)
        names = {r.values["name"].casefold() for r in rows if r.values.get("name")}
        existing = {
            lowered: pk
            for pk, lowered in Partner.objects.annotate(lowered=Lower("name"))
            .filter(lowered__in=names)
            .values_list("pk", "lowered")
        }
        for row in rows:
            manager = self.owner(row, "manager") or (
                None if row.raw.get("manager", "").strip() else self.by
            )
            row.values["manager"] = manager
            row.values["org_unit"] = self.org_unit(
                row, manager.org_unit if manager is not None else self.by.org_unit
            )
            key = row.values.get("name", "").casefold()
            if key in existing:
                row.duplicate_of(
                    _("A partner named %(name)s exists already (#%(id)s).")
                    % {"name": row.values["name"], "id": existing[key]},
                    [{"id": existing[key], "name": row.values["name"], "owner": ""}],
                )
            elif first := self.remember(row, (key,)):
                row.duplicate_of(_("Same name as row %(row)s.") % {"row": first})

    def lock(self) -> None:
        locks.hold(PARTNER_IMPORT, locks.WHOLE)

    def build(self, row: Row) -> Partner:
        return Partner(**row.values)


def partner_export_columns() -> list[ExportColumn]:
    """The import's columns (so a file goes back in), then the state and the admission."""
    labels = {c.key: c.label for c in PartnerImporter.columns}
    return [
        ExportColumn(gettext_lazy("Id"), lambda p: p.pk),
        ExportColumn(labels["name"], lambda p: p.name),
        ExportColumn(labels["tier"], lambda p: p.get_tier_display()),
        ExportColumn(labels["territories"], lambda p: "、".join(p.territories or [])),
        ExportColumn(labels["product_lines"], lambda p: "、".join(p.product_lines or [])),
        ExportColumn(labels["manager"], lambda p: p.manager.username),
        ExportColumn(labels["org_unit"], lambda p: p.org_unit.code),
        ExportColumn(labels["contact_name"], lambda p: p.contact_name),
        ExportColumn(labels["contact_phone"], lambda p: p.contact_phone),
        ExportColumn(labels["notes"], lambda p: p.notes),
        ExportColumn(gettext_lazy("State"), lambda p: p.get_state_display()),
        ExportColumn(gettext_lazy("Admitted"), lambda p: p.admitted_at),
    ]
