"""A record's state is shown as a badge whose tone says good, bad, waiting or neutral, so a
list of rejected, cancelled and approved records reads at a glance."""

from types import SimpleNamespace

import pytest

from core.templatetags.ltc_tags import state_badge


def record(state):
    return SimpleNamespace(state=state, get_state_display=lambda: state.replace("_", " "))


@pytest.mark.parametrize(
    ("state", "tone"),
    [
        ("won", "ok"),
        ("approved", "ok"),
        ("reached", "ok"),
        ("rejected", "bad"),
        ("declined", "bad"),
        ("cancelled", "bad"),
        ("failed", "bad"),
        ("pending_approval", "warn"),
        ("in_review", "warn"),
        ("draft", "info"),
    ],
)
def test_each_state_has_the_tone_of_what_it_means(state, tone):
    html = state_badge(record(state))
    assert f'class="badge {tone}"' in html
    assert state.replace("_", " ") in html


def test_a_label_is_escaped():
    html = state_badge(SimpleNamespace(state="x", get_state_display=lambda: "<b>x</b>"))
    assert "<b>" not in html and "&lt;b&gt;" in html
