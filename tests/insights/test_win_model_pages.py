"""The win model on the pages (ADR 31): the learned probability and its reasons beside the
rep's own on the opportunity page, in both languages; the model-quality page for managers."""

from __future__ import annotations

import pytest
from django.utils import translation

from insights.tasks import win_model_train

from .win_history import make_history

pytestmark = pytest.mark.django_db


def page(browser_client, user, url, language="en"):
    client = browser_client(user)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    return response


def test_the_opportunity_page_shows_the_learned_probability_beside_the_rep_s(browser_client, org):
    deals = make_history(org)
    mine = next(d for d in deals[260:] if d.owner_id == org.rep.pk)
    before = page(browser_client, org.rep, f"/opportunities/{mine.pk}/").content.decode()
    assert "Learned win probability" in before and "No learned probability yet" in before
    win_model_train.apply().get()
    en = page(browser_client, org.rep, f"/opportunities/{mine.pk}/").content.decode()
    assert "Stage probability (the rep" in en
    assert "chance of winning" in en and "Predict again" in en
    assert "Model quality" not in en  # a rep does not see the model's quality page
    zh = page(browser_client, org.rep, f"/opportunities/{mine.pk}/", "zh-hans").content.decode()
    assert "学习所得赢率" in zh and "赢单机会" in zh and "chance of winning" not in zh
    closed = page(browser_client, org.rep, f"/opportunities/{deals[1].pk}/")
    assert closed.status_code == 200 and "Learned win probability" not in closed.content.decode()
    manager = page(browser_client, org.manager, f"/opportunities/{mine.pk}/").content.decode()
    assert "Model quality" in manager


def test_predict_again_from_the_page(browser_client, org):
    deals = make_history(org)
    win_model_train.apply().get()
    mine = next(d for d in deals[260:] if d.owner_id == org.rep.pk)
    theirs = next(d for d in deals[260:] if d.owner_id == org.other_team_rep.pk)
    client = browser_client(org.rep)
    response = client.post(f"/insights/win-predictions/{mine.pk}/refresh/")
    assert response.status_code == 302 and response["Location"] == f"/opportunities/{mine.pk}/"
    assert client.post(f"/insights/win-predictions/{theirs.pk}/refresh/").status_code == 404


def test_the_model_quality_page_for_managers(browser_client, org):
    url = "/insights/win-model/"
    assert "has not been trained yet" in page(browser_client, org.manager, url).content.decode()
    make_history(org)
    win_model_train.apply().get()
    en = page(browser_client, org.manager, url).content.decode()
    assert "AUC on held-out deals" in en and "Calibration on held-out deals" in en
    zh = page(browser_client, org.manager, url, "zh-hans").content.decode()
    assert "留出机会点上的 AUC" in zh and "AUC on held-out deals" not in zh
    with translation.override("zh-hans"):
        assert "Calibration" not in zh
    assert page(browser_client, org.rep, url).status_code == 403
    assert page(browser_client, org.finance, url).status_code == 403
