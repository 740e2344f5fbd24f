"""Render time and memory of a quote with 50 lines as PDF (issue 22.6, ADR 27).

Renders the shipped Chinese quote template in the sandbox and lays it out with WeasyPrint,
in this process, with a context as `documents.kinds.quote_context` builds it (no database):
the first render (fonts loaded, CJK subset embedded), then `--repeat` more; prints the times
and the process's peak resident memory.

    .venv/bin/python bench/bench_documents.py --lines 50 --repeat 10
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ltc.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.utils import translation  # noqa: E402

from core.money import format_money  # noqa: E402
from documents.rendering import html_to_pdf  # noqa: E402
from documents.sandbox import render_template  # noqa: E402
from documents.services import default_body  # noqa: E402


def context(lines: int) -> dict:
    price = Decimal("12345.67")
    rows = [
        {
            "position": i,
            "product": f"核心路由器 NE40E-X{i} 板卡与许可",
            "code": f"RT-{i:04d}",
            "description": "含三年原厂维保、现场安装调测与培训服务",
            "quantity": Decimal(i % 7 + 1),
            "unit": "套",
            "unit_price": format_money(price, "CNY"),
            "discount_pct": Decimal("5"),
            "tax_rate_pct": Decimal("13"),
            "net_amount": format_money(price * (i % 7 + 1), "CNY"),
        }
        for i in range(1, lines + 1)
    ]
    return {
        "company": {
            "name": "华南信息科技股份有限公司",
            "name_en": "",
            "address": "广州市天河区",
            "phone": "020-88886666",
            "logo": "",
        },  # noqa: E501
        "document": {
            "number": "QT-2026-000123",
            "version": 1,
            "date": dt.date.today(),
            "title": "报价单",
        },  # noqa: E501
        "customer": {"name": "广东移动通信有限公司"},
        "opportunity": {"name": "省公司核心网扩容项目", "number": "OPP-000042"},
        "quote": {
            "number": "QUO-000042",
            "revision": 3,
            "valid_until": dt.date.today(),
            "notes": "",
            "net_total": "¥1,234,567.00",
            "tax_total": "¥160,493.71",
            "total": "¥1,395,060.71",
            "currency": "CNY",
        },
        "lines": rows,
        "seller": {"name": "陈晓明"},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    body, data = default_body("quote", "zh-hans"), context(args.lines)
    import weasyprint  # noqa: F401 - loaded before measuring the baseline

    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with translation.override("zh-hans"):
        start = time.perf_counter()
        pdf = html_to_pdf(render_template(body, data), language="zh-hans")
        first = time.perf_counter() - start
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            html_to_pdf(render_template(body, data), language="zh-hans")
            times.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"lines={args.lines} pdf={len(pdf) / 1024:.0f} KiB first={first * 1000:.0f} ms")
    print(
        f"warm x{args.repeat}: p50={statistics.median(times) * 1000:.0f} ms "
        f"max={max(times) * 1000:.0f} ms; peak RSS {peak_mb:.0f} MB "
        f"(Django and WeasyPrint loaded: {base_mb:.0f} MB); load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
