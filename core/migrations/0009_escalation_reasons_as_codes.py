"""Escalation reasons stored as English (or Chinese) sentences become message codes with
parameters (core.messages), so each reader sees them in their own language. A sentence this
migration cannot parse is kept as it was (it is still shown as written)."""

import re

from django.db import migrations

NUMBER = r"(-?[0-9]+(?:\.[0-9]+)?)"
PATTERNS = [
    (
        "reason.margin",
        [
            rf"^Gross margin {NUMBER}% is below {NUMBER}%\.$",
            rf"^毛利率 {NUMBER}% 低于 {NUMBER}%。$",
        ],
        ("margin", "floor"),
        "percent",
    ),
    (
        "reason.down_payment",
        [
            rf"^Down payment {NUMBER}% is below {NUMBER}%\.$",
            rf"^首付款比例 {NUMBER}% 低于 {NUMBER}%。$",
        ],
        ("down", "floor"),
        "percent",
    ),
    (
        "reason.amount",
        [
            rf"^Amount {NUMBER} exceeds the limit of {NUMBER}\.$",
            rf"^金额 {NUMBER} 超过授权额度 {NUMBER}。$",
        ],
        ("amount", "limit"),
        "money",
    ),
    (
        "reason.currency",
        [
            r"^Amount is in ([A-Z]{3}); the authority limit is in ([A-Z]{3})\.$",
            r"^金额币种为 ([A-Z]{3})，而授权额度币种为 ([A-Z]{3})。$",
        ],
        ("currency", "limit"),
        "text",
    ),
    (
        "reason.high_risk",
        [r"^An assessment rates the risk high\.$", r"^有评估将风险评为高。$"],
        (),
        "text",
    ),
    (
        "reason.change_office",
        [
            r"^A contract change is always approved by the representative office\.$",
            r"^合同变更一律由代表处审批。$",
        ],
        (),
        "text",
    ),
]


def as_code(text: str, currency: str):
    """The message for one stored sentence, or the sentence itself if it does not parse."""
    if not isinstance(text, str):
        return text
    for code, regexes, names, kind in PATTERNS:
        for regex in regexes:
            match = re.match(regex, text.strip())
            if not match:
                continue
            params = {}
            for name, value in zip(names, match.groups(), strict=True):
                if kind == "percent":
                    params[name] = {"$": "percent", "v": value}
                elif kind == "money":
                    params[name] = {"$": "money", "amount": value, "currency": currency}
                else:
                    params[name] = value
            return {"code": code, "params": params}
    return text


def forwards(apps, schema_editor):
    GateReview = apps.get_model("ltc", "GateReview")
    for review in GateReview.objects.exclude(escalation_reasons=[]).iterator():
        currency = (review.facts or {}).get("currency") or "CNY"
        converted = [as_code(r, currency) for r in review.escalation_reasons or []]
        if converted != review.escalation_reasons:
            GateReview.objects.filter(pk=review.pk).update(escalation_reasons=converted)


def backwards(apps, schema_editor):
    """Back to English sentences (the codes' English templates)."""
    from django.utils import translation

    from core.messages import render_text

    GateReview = apps.get_model("ltc", "GateReview")
    with translation.override("en"):
        for review in GateReview.objects.exclude(escalation_reasons=[]).iterator():
            texts = [render_text(r) for r in review.escalation_reasons or []]
            GateReview.objects.filter(pk=review.pk).update(escalation_reasons=texts)


class Migration(migrations.Migration):
    dependencies = [("ltc", "0008_notification_message")]

    operations = [migrations.RunPython(forwards, backwards)]
