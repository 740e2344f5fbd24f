"""The name normaliser on a large generated corpus (issue 17.2): however a company's name is
typed — any kind of whitespace anywhere, inside the legal form too, Traditional or Simplified
characters in any mix, full-width letters — it gets the key of its plain Simplified spelling."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.normalise import normalise_company_name

#: Simplified -> Traditional, one to one in company names (OpenCC t2s maps them back).
PAIRS = {
    "国": "國", "东": "東", "广": "廣", "动": "動", "团": "團", "电": "電", "讯": "訊",
    "业": "業", "务": "務", "银": "銀", "华": "華", "苏": "蘇", "际": "際", "网": "網",
    "络": "絡", "医": "醫", "疗": "療", "贸": "貿", "设": "設", "备": "備", "湾": "灣",
    "实": "實", "数": "數", "开": "開", "达": "達", "联": "聯", "兴": "興", "铁": "鐵",
    "车": "車", "门": "門", "机": "機", "场": "場", "中": "中", "科": "科", "技": "技",
}  # fmt: skip
LEGAL_FORMS = ["", "有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "公司"]
SPACES = [" ", "\t", "\u3000", "\u00a0", "\u2009", "\n", "  "]

cores = st.lists(st.sampled_from(sorted(PAIRS)), min_size=2, max_size=12).map("".join)


@st.composite
def typed(draw, simplified: str) -> str:
    """`simplified` as someone might type it: characters in either script, gaps anywhere."""
    chars = [PAIRS.get(c, c) if draw(st.booleans()) else c for c in simplified]
    out = []
    for char in chars:
        if draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from(SPACES)))
        out.append(char)
    if draw(st.booleans()):
        out.append(draw(st.sampled_from(SPACES)))
    return "".join(out)


@settings(max_examples=1500, deadline=None)
@given(data=st.data(), core=cores, form=st.sampled_from(LEGAL_FORMS))
def test_any_script_and_any_spacing_gives_the_plain_simplified_key(data, core, form):
    name = core + form
    key = normalise_company_name(name)
    assert key and not any(c.isspace() for c in key)
    assert normalise_company_name(data.draw(typed(name))) == key


@settings(max_examples=500, deadline=None)
@given(
    words=st.lists(st.text("dfhijmu", min_size=2, max_size=8), min_size=1, max_size=4),
    form=st.sampled_from(["Co., Ltd.", "Inc.", "Limited", "GmbH", "Corporation"]),
    gaps=st.lists(st.sampled_from(SPACES), min_size=5, max_size=5),
)
def test_latin_words_apart_by_any_whitespace_keep_their_legal_form_recognised(words, form, gaps):
    plain = " ".join(words) + " " + form
    spaced = gaps[0].join(words) + gaps[1] + form.replace(" ", gaps[2]) + gaps[3]
    assert normalise_company_name(spaced) == normalise_company_name(plain) == "".join(words)
