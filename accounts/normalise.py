"""Company-name normalisation, the key customer dedupe matches on.

These are one customer: "中国移动通信集团广东有限公司", "中国移动通信集团广东 有限公司 "
and "（中国移动通信集团广东）股份有限公司"; so are "Acme Co., Ltd.", "ACME Inc" and
"The Acme Company". Full-width characters become half-width (NFKC), case, spacing and
punctuation go, "&" reads as "and", and legal-form suffixes are stripped.

Branches are handled deliberately: a branch (分公司, 分行, 支行, 办事处, "Shanghai Branch") is a
customer of its own — it signs its own contracts and has its own credit code — so it never
matches its parent company. Only the legal-form noise inside the parent's part is removed, so
"中国电信股份有限公司广东分公司" and "中国电信广东分公司" are one customer, and neither matches
"中国电信股份有限公司".
"""

import re
import unicodedata

from core.validators import phone_key

# Longest first, so "股份有限公司" is stripped whole rather than leaving "股份".
_CHINESE_LEGAL_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "股份合作公司",
    "个人独资企业",
    "有限公司",
    "股份公司",
    "有限合伙",
    "普通合伙",
    "合伙企业",
    "总公司",
    "公司",
)
_LATIN_LEGAL_SUFFIXES = (
    "limited liability company",
    "kabushiki kaisha",
    "company limited",
    "incorporated",
    "corporation",
    "co limited",
    "gmbh and co kg",
    "sdn bhd",
    "pte ltd",
    "pty ltd",
    "co ltd",
    "limited",
    "company",
    "co kk",
    "gmbh",
    "sarl",
    "ltda",
    "corp",
    "inc",
    "llc",
    "llp",
    "ltd",
    "plc",
    "sas",
    "srl",
    "spa",
    "asa",
    "co",
    "ag",
    "sa",
    "se",
    "bv",
    "nv",
    "oy",
    "ab",
    "as",
    "kg",
    "kk",
    "lp",
)
# A branch's own name ends with one of these; what precedes it names the parent company.
_CHINESE_BRANCH_SUFFIXES = (
    "分公司",
    "办事处",
    "营业部",
    "分支机构",
    "分行",
    "支行",
    "分部",
    "分院",
    "分厂",
    "分店",
)
_LATIN_BRANCH_SUFFIXES = ("branch office", "branch", "representative office")

_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)
# A gap next to a character outside Latin script separates no words: "有限 公司" is "有限公司".
_GAP_BY_CJK = re.compile(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])")

_converter = None


def to_simplified(text: str) -> str:
    """Traditional Chinese characters as Simplified (中國移動 -> 中国移动), by OpenCC's
    maintained conversion tables (the `opencc` package, its data bundled in the wheel)."""
    global _converter
    if text.isascii():
        return text
    if _converter is None:
        import opencc

        _converter = opencc.OpenCC("t2s")
    return _converter.convert(text)


# Dotted abbreviations lose their dots first: "s.a." -> "sa", "l.l.c." -> "llc".
_DOTTED = re.compile(r"\b(?:[a-z]\.){2,}")


def _clean(name: str) -> str:
    text = to_simplified(unicodedata.normalize("NFKC", name or "").casefold())
    if "." in text:  # (the import normalises every row: skip what cannot apply)
        text = _DOTTED.sub(lambda m: m.group(0).replace(".", "") + " ", text)
    text = text.replace("&", " and ")
    # Punctuation becomes a space so Latin words stay apart: "co.,ltd" -> "co ltd". A run of
    # punctuation and spaces (\W covers \s) becomes one space, so no spaces are left doubled.
    text = _PUNCTUATION.sub(" ", text).strip()
    return _GAP_BY_CJK.sub("", text) if not text.isascii() else text


_ANY_BRANCH_SUFFIX = _CHINESE_BRANCH_SUFFIXES + tuple(" " + s for s in _LATIN_BRANCH_SUFFIXES)
_ANY_LEGAL_SUFFIX = _CHINESE_LEGAL_SUFFIXES + tuple(" " + s for s in _LATIN_LEGAL_SUFFIXES)


def _strip_legal_suffixes(text: str) -> str:
    """Strip legal-form suffixes from the end, repeatedly ("xx co ltd" -> "xx")."""
    stripped = True
    while stripped and text:
        stripped = False
        if not text.endswith(_ANY_LEGAL_SUFFIX):  # one C-level test for the common case
            break
        for suffix in _CHINESE_LEGAL_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)].rstrip()
                stripped = True
                break
        else:
            for suffix in _LATIN_LEGAL_SUFFIXES:
                if text.endswith(" " + suffix):
                    text = text[: -len(suffix) - 1].rstrip()
                    stripped = True
                    break
    if text.startswith("the ") and len(text) > 4:
        text = text[4:]
    return text


def _split_branch(text: str) -> tuple[str, str]:
    """(parent part, branch part) of a cleaned name; the branch part is "" for no branch.

    The parent part ends at the last legal form before the branch suffix
    ("中国电信股份有限公司" + "广东分公司"); without one, the whole name is the branch's own
    name and nothing is stripped from it ("中国电信广东分公司").
    """
    if not text.endswith(_ANY_BRANCH_SUFFIX):  # one C-level test for the common case
        return text, ""
    marker = next((s for s in _CHINESE_BRANCH_SUFFIXES if text.endswith(s)), None)
    if marker is None:
        marker = next((s for s in _LATIN_BRANCH_SUFFIXES if text.endswith(" " + s)), None)
    if marker is None or len(text) == len(marker):
        return text, ""
    head = text[: -len(marker)]
    cut = -1
    for form in _CHINESE_LEGAL_SUFFIXES:
        at = head.rfind(form)
        if at > 0:
            cut = max(cut, at + len(form))
    for form in _LATIN_LEGAL_SUFFIXES:
        ends = [m.end() for m in re.finditer(rf"(?<=\s){re.escape(form)}(?=\s)", head)]
        if ends:
            cut = max(cut, ends[-1])
    if cut <= 0:
        return "", text
    return head[:cut].strip(), text[cut:].strip()


def normalise_company_name(name: str) -> str:
    """The comparable form of a company name (empty when nothing meaningful is left)."""
    text = _clean(name)
    if text in _CHINESE_BRANCH_SUFFIXES or text in _CHINESE_LEGAL_SUFFIXES:
        return text
    parent, branch = _split_branch(text)
    if branch:
        return (_strip_legal_suffixes(parent) + branch).replace(" ", "")
    return _strip_legal_suffixes(text).replace(" ", "")


def is_branch_name(name: str) -> bool:
    """Whether the name is a branch's (分公司, 支行, "... Branch")."""
    return bool(_split_branch(_clean(name))[1])


def normalise_phone(phone: str) -> str:
    """Digits only, a Chinese number as dialled at home: '+86 138-0013-8000' -> '13800138000',
    '+862012345678' (as stored, E.164) -> '02012345678' (core.validators.phone_key)."""
    return phone_key(phone)


def normalise_email(email: str) -> str:
    return unicodedata.normalize("NFKC", email or "").strip().casefold()


def normalise_person_name(name: str) -> str:
    """A person's name as contact duplicate detection compares it: NFKC, any case, without
    spaces, dots and middle dots ("Zhang  San", "ZHANG San" and "Ｚｈａｎｇ.San" are one; so are
    "张 三" and "张三", and "阿卜杜拉·买买提" and "阿卜杜拉买买提")."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    return re.sub(r"[\s.·•]+", "", text)
