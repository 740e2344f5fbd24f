"""Importing and exporting agreement prices (协议价, issue 21.8) through the import machinery of
the parties app: each row a draft price for a customer XOR a partner, a product and a period,
to be submitted through the `agreement_price` chain as one made on the page.

Rows are held to what the page holds: the customer (by name, as normalised, or credit code)
or the partner (by name) must be one the importer may change, the product an active one in
the price's currency, the period whole. A row whose period overlaps an approved price of the
same party and product is an error naming that price (the 400 the API gives), and so is a
row overlapping an earlier row of the file for the same party and product."""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.imports import Column, Importer, Row, register
from accounts.imports.base import parse_date, parse_decimal, parse_text
from accounts.models import Customer, User
from accounts.normalise import normalise_company_name
from core import policy
from core.exports import ExportColumn
from core.money import quantize
from partners.models import Partner

from .choices import AgreementPriceState
from .models import AgreementPrice, Product


def _overlaps(a_from, a_to, b_from, b_to) -> bool:
    """Two periods, both ends inclusive, an empty end open."""
    return (a_to is None or b_from <= a_to) and (b_to is None or a_from <= b_to)


@register
class AgreementPriceImporter(Importer):
    kind = "agreement_prices"
    label = gettext_lazy("Agreement prices")
    model = AgreementPrice
    columns = [
        Column("customer", gettext_lazy("Customer"), ("客户", "客户名称", "统一社会信用代码")),
        Column("partner", gettext_lazy("Partner"), ("伙伴", "渠道伙伴", "partner")),
        Column("product", gettext_lazy("Product code"), ("产品", "产品编码", "product"), True),
        Column("price", gettext_lazy("Agreement price"), ("协议价", "价格", "price"), True),
        Column("currency", gettext_lazy("Currency"), ("币种",)),
        Column("valid_from", gettext_lazy("Valid from"), ("生效日期", "开始日期"), True),
        Column("valid_to", gettext_lazy("Valid to"), ("失效日期", "结束日期")),
    ]

    @classmethod
    def allowed(cls, user: User) -> bool:
        """The sales roles, who make agreement prices on the page."""
        return policy.may(user, "sales.work")

    def __init__(self, job):
        super().__init__(job)
        self.approved: dict[tuple, list[AgreementPrice]] = {}
        self.in_file: dict[tuple, list[tuple[int, object, object]]] = {}

    def clean(self, row: Row) -> None:
        customer = parse_text(row, "customer", 200)
        partner = parse_text(row, "partner", 200)
        if bool(customer) == bool(partner):
            row.error("customer", _("Choose a customer or a partner (one of them)."))
        price = parse_decimal(row, "price")
        if price is None and "price" not in row.errors:
            row.error("price", _("Required."))
        elif price is not None and price < 0:
            row.error("price", _("Enter a price of zero or more."))
        valid_from = parse_date(row, "valid_from")
        if valid_from is None and "valid_from" not in row.errors:
            row.error("valid_from", _("Required."))
        valid_to = parse_date(row, "valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            row.error("valid_to", _("The end is before the start."))
        row.values.update(
            customer_text=customer,
            partner_text=partner,
            product_code=parse_text(row, "product", 40, required=True),
            price=quantize(price) if price is not None else None,
            currency=parse_text(row, "currency", 3).upper(),
            valid_from=valid_from,
            valid_to=valid_to,
        )

    def check(self, rows: list[Row]) -> None:
        values = [r.values for r in rows]
        names = {normalise_company_name(v["customer_text"]) for v in values} - {""}
        codes = {v["customer_text"].upper() for v in values if v["customer_text"]}
        customers: dict[str, Customer] = {}
        for customer in policy.restrict(Customer.objects.all(), self.by, "change").filter(
            Q(normalised_name__in=names) | Q(credit_code__in=codes)
        ):
            customers[customer.normalised_name] = customer
            if customer.credit_code:
                customers[customer.credit_code] = customer
        partner_names = {v["partner_text"].casefold() for v in values if v["partner_text"]}
        partners = {
            p.lowered: p
            for p in policy.restrict(Partner.objects.all(), self.by, "change")
            .annotate(lowered=Lower("name"))
            .filter(lowered__in=partner_names)
        }
        products = {
            p.code: p
            for p in Product.objects.filter(
                code__in={v["product_code"] for v in values}, is_active=True
            )
        }
        for row in rows:
            self._resolve(row, customers, partners, products)
        self._load_approved([r for r in rows if r.ok])
        for row in rows:
            if row.ok:
                self._refuse_overlap(row)

    def _resolve(self, row: Row, customers, partners, products) -> None:
        v = row.values
        v["customer"] = v["partner"] = None
        if v["customer_text"]:
            v["customer"] = customers.get(normalise_company_name(v["customer_text"])) or (
                customers.get(v["customer_text"].upper())
            )
            if v["customer"] is None:
                row.error(
                    "customer",
                    _("No customer you may change is called %(name)s.")
                    % {"name": v["customer_text"]},
                )
        elif v["partner_text"]:
            v["partner"] = partners.get(v["partner_text"].casefold())
            if v["partner"] is None:
                row.error(
                    "partner",
                    _("No partner you may change is called %(name)s.")
                    % {"name": v["partner_text"]},
                )
        v["product"] = products.get(v["product_code"])
        if v["product"] is None and v["product_code"]:
            row.error(
                "product",
                _("No active product has the code %(code)s.") % {"code": v["product_code"]},
            )
        elif v["product"] is not None:
            v["currency"] = v["currency"] or v["product"].currency
            if v["currency"] != v["product"].currency:
                row.error(
                    "currency",
                    _("The product is priced in %(currency)s.")
                    % {"currency": v["product"].currency},
                )

    @staticmethod
    def _key(values: dict) -> tuple:
        party = values["customer"] or values["partner"]
        return (type(party).__name__, party.pk, values["product"].pk)

    def _load_approved(self, rows: list[Row]) -> None:
        """The approved prices of the batch's parties and products: one query."""
        wanted = {self._key(r.values) for r in rows} - set(self.approved)
        if not wanted:
            return
        for key in wanted:
            self.approved[key] = []
        customers = {k[1] for k in wanted if k[0] == "Customer"}
        partners = {k[1] for k in wanted if k[0] == "Partner"}
        found = AgreementPrice.objects.filter(
            Q(customer_id__in=customers) | Q(partner_id__in=partners),
            product_id__in={k[2] for k in wanted},
            state=AgreementPriceState.APPROVED,
        )
        for price in found:
            if price.customer_id:
                key = ("Customer", price.customer_id, price.product_id)
            else:
                key = ("Partner", price.partner_id, price.product_id)
            if key in self.approved:
                self.approved[key].append(price)

    def _refuse_overlap(self, row: Row) -> None:
        v = row.values
        key = self._key(v)
        for other in self.approved.get(key, []):
            if _overlaps(v["valid_from"], v["valid_to"], other.valid_from, other.valid_to):
                row.error(
                    "valid_from",
                    _(
                        "It overlaps the approved agreement price #%(id)s (%(price)s %(currency)s, "
                        "%(start)s – %(end)s) for the same product."
                    )
                    % {
                        "id": other.pk,
                        "price": other.price,
                        "currency": other.currency,
                        "start": other.valid_from,
                        "end": other.valid_to or "…",
                    },
                )
                return
        for number, start, end in self.in_file.get(key, []):
            if _overlaps(v["valid_from"], v["valid_to"], start, end):
                row.error(
                    "valid_from",
                    _("It overlaps row %(row)s for the same party and product.") % {"row": number},
                )
                return
        self.in_file.setdefault(key, []).append((row.number, v["valid_from"], v["valid_to"]))

    def build(self, row: Row) -> AgreementPrice:
        v = row.values
        party = v["customer"] or v["partner"]
        return AgreementPrice(
            customer=v["customer"],
            partner=v["partner"],
            product=v["product"],
            price=v["price"],
            currency=v["currency"],
            valid_from=v["valid_from"],
            valid_to=v["valid_to"],
            org_unit_id=party.org_unit_id,
            created_by=self.by,
        )


def agreement_price_export_columns() -> list[ExportColumn]:
    """The import's columns (so a file goes back in as new drafts), then the state."""
    labels = {c.key: c.label for c in AgreementPriceImporter.columns}
    return [
        ExportColumn(gettext_lazy("Id"), lambda p: p.pk),
        ExportColumn(labels["customer"], lambda p: p.customer.name if p.customer_id else ""),
        ExportColumn(labels["partner"], lambda p: p.partner.name if p.partner_id else ""),
        ExportColumn(labels["product"], lambda p: p.product.code),
        ExportColumn(labels["price"], lambda p: p.price),
        ExportColumn(labels["currency"], lambda p: p.currency),
        ExportColumn(labels["valid_from"], lambda p: p.valid_from),
        ExportColumn(labels["valid_to"], lambda p: p.valid_to or ""),
        ExportColumn(gettext_lazy("State"), lambda p: p.get_state_display()),
    ]
