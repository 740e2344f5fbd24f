"""Company-name normalisation: the key customer dedupe matches on (Chinese and English)."""

import pytest

from accounts.normalise import (
    is_branch_name,
    normalise_company_name,
    normalise_email,
    normalise_phone,
)

SPELLINGS = [
    # legal forms, spacing, full-width brackets and punctuation (Chinese)
    (
        [
            "中国移动通信集团广东有限公司",
            "中国移动通信集团广东 有限公司 ",
            "（中国移动通信集团广东）股份有限公司",
            "中国移动通信集团广东有限责任公司",
        ],
        "中国移动通信集团广东",
    ),
    (["XX集团股份有限公司", "XX集团有限公司", "ＸＸ集团公司"], "xx集团"),
    (["深圳某某科技合伙企业（有限合伙）", "深圳某某科技有限合伙"], "深圳某某科技"),
    (["华为技术（深圳）有限公司", "华为技术 深圳 有限公司"], "华为技术深圳"),
    # English legal forms, case, dots and ampersands
    (
        ["Acme Co., Ltd.", "ACME Inc", "The Acme Company", "Acme Corporation", "acme, llc"],
        "acme",
    ),
    (["Johnson & Johnson", "Johnson and Johnson"], "johnsonandjohnson"),
    (["Siemens GmbH & Co. KG", "Siemens AG"], "siemens"),
    (["Banco Santander, S.A.", "Banco Santander SA"], "bancosantander"),
    (["Fiat S.p.A.", "FIAT SpA"], "fiat"),
    (["Acme Pte. Ltd.", "Acme Pty Ltd"], "acme"),
    # full-width Latin letters and ideographic spaces
    (["ＡＣＭＥ　有限公司", "acme有限公司"], "acme"),
]


@pytest.mark.parametrize(("names", "key"), SPELLINGS)
def test_spellings_of_one_company_share_a_key(names, key):
    assert {normalise_company_name(n) for n in names} == {key}


@pytest.mark.parametrize(
    ("branch", "same_branch", "parent"),
    [
        ("中国电信股份有限公司广东分公司", "中国电信广东分公司", "中国电信股份有限公司"),
        ("中国工商银行股份有限公司北京分行", "中国工商银行北京分行", "中国工商银行股份有限公司"),
        ("招商银行深圳分行", "招商银行 深圳分行", "招商银行"),
        ("Acme Co., Ltd. Shanghai Branch", "Acme Shanghai Branch", "Acme Co., Ltd."),
    ],
)
def test_a_branch_is_its_own_customer_but_keeps_its_parent_spelling_free(
    branch, same_branch, parent
):
    assert normalise_company_name(branch) == normalise_company_name(same_branch)
    assert normalise_company_name(branch) != normalise_company_name(parent)
    assert is_branch_name(branch) and not is_branch_name(parent)


def test_the_branch_suffix_is_not_taken_for_a_legal_form():
    assert normalise_company_name("中国电信广东分公司").endswith("分公司")


@pytest.mark.parametrize(("name", "key"), [("", ""), ("  ，。 ", ""), ("有限公司", "有限公司")])
def test_blank_names_and_a_bare_legal_form(name, key):
    assert normalise_company_name(name) == key


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Acme \t, ,  Co.,\u3000 Ltd.", "acme"),  # runs of punctuation and spaces are one gap
        ("Acme Co Ltd Branch", "acmebranch"),  # a branch of no legal parent: its own name
        ("Branch", "branch"),  # a branch suffix alone
        ("广东分公司", "广东分公司"),
        ("Acme (Shanghai) Branch Office", "acmeshanghaibranchoffice"),
        ("Acme Ltd. - Shanghai Representative Office", "acmeshanghairepresentativeoffice"),
    ],
)
def test_spacing_runs_and_branch_suffixes(name, key):
    assert normalise_company_name(name) == key


def test_phones_and_emails():
    assert normalise_phone("+86 138-0013-8000") == "13800138000"
    assert normalise_phone("0086 13800138000") == "13800138000"
    assert normalise_phone("０２０－１２３４５６７８") == "02012345678"
    assert normalise_email("  Li.Na@Example.COM ") == "li.na@example.com"


@pytest.mark.django_db
@pytest.mark.parametrize(("names", "key"), SPELLINGS)
def test_the_api_refuses_another_spelling_of_a_registered_customer(org, api, names, key):
    client = api(org.rep)
    first = client.post("/api/v1/customers/", {"name": names[0]}, format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["normalised_name"] == key
    for other in names[1:]:
        refused = client.post("/api/v1/customers/", {"name": other}, format="json")
        assert refused.status_code == 400, (other, refused.json())
        assert refused.json()["code"] == "duplicate_customer"
