"""The gate-flow rollup (ADR 28): every deal's path through stages and gates, one row per step,
rebuilt from the audit trail by `services.gate_flow_refresh`; the page and API read only these."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from core.money import MoneyField
from opportunities.models import Opportunity


class DealKeys(models.Model):
    """The deal's filter keys, copied onto its rollup rows at each refresh (a deal whose keys
    changed since is rebuilt at the next one), so scope and filters need no join (ADR 28)."""

    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("org unit"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    product_line = models.CharField(_("product line"), max_length=100, blank=True)
    tier = models.CharField(_("customer tier"), max_length=10, blank=True)
    amount = MoneyField(_("expected amount"), default=0)

    class Meta:
        abstract = True


class FlowStep(DealKeys):
    """One arrow a deal took: from one node (a stage, a gate, a gate's outcome) to the next."""

    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="+"
    )
    seq = models.PositiveIntegerField(_("step"))
    from_node = models.CharField(_("from"), max_length=60)
    to_node = models.CharField(_("to"), max_length=60)
    entered_at = models.DateTimeField(_("entered at"))
    left_at = models.DateTimeField(_("left at"), db_index=True)
    duration = models.BigIntegerField(_("seconds"))
    #: How the deal ended (won, lost, abandoned) or "" while open: the arrow's conversion.
    outcome = models.CharField(_("outcome"), max_length=20, blank=True)
    #: When the deal last took this same arrow before (by `left_at`), and last left this same
    #: node: the deals in a period are its steps whose previous one is older (or none), so
    #: counting them needs no COUNT(DISTINCT) (a sort per group).
    prev_arrow_at = models.DateTimeField(_("took this arrow before"), null=True, blank=True)
    prev_node_at = models.DateTimeField(_("left this node before"), null=True, blank=True)

    class Meta:
        verbose_name = _("gate-flow step")
        verbose_name_plural = _("gate-flow steps")
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "seq"], name="flow_step_once")
        ]
        indexes = [
            models.Index(fields=["from_node", "to_node"]),
            models.Index(fields=["org_unit", "left_at"]),
            models.Index(fields=["product_line", "left_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_node} → {self.to_node}"


class FlowPath(DealKeys):
    """A deal's whole route (its nodes before the end) and how it ended: conversion per path."""

    opportunity = models.OneToOneField(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="+"
    )
    route = models.TextField(_("route"))
    outcome = models.CharField(_("outcome"), max_length=20, blank=True)
    #: The node a lost or abandoned deal left from ("" otherwise).
    left_from = models.CharField(_("left from"), max_length=60, blank=True)
    started_at = models.DateTimeField(_("started at"), db_index=True)

    class Meta:
        verbose_name = _("gate-flow path")
        verbose_name_plural = _("gate-flow paths")
        indexes = [
            models.Index(fields=["org_unit", "started_at"]),
            models.Index(fields=["product_line", "started_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.route}"


class FlowRollup(models.Model):
    """The rollup's one bookkeeping row (pk 1): how far into the audit trail it has read, and
    when; the refresh locks it, so two refreshes never interleave."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_event_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("gate-flow rollup")
        verbose_name_plural = _("gate-flow rollup")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="flow_rollup_one")]

    def __str__(self) -> str:
        return f"{self.last_event_id} @ {self.refreshed_at}"


class FlowSnapshot(models.Model):
    """The unfiltered flow of one org subtree (`unit_path`; "" for the whole company), as the
    page and API show it, computed from the rollup at each refresh: what a manager or an
    administrator opens first is one row read (ADR 28)."""

    unit_path = models.CharField(_("org unit path"), max_length=255, unique=True, blank=True)
    figures = models.JSONField(_("figures"))
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("gate-flow snapshot")
        verbose_name_plural = _("gate-flow snapshots")

    def __str__(self) -> str:
        return f"{self.unit_path or 'company'} @ {self.refreshed_at}"


class WinModel(models.Model):
    """One training of the win model (ADR 31): learned from the closed deals of this database,
    its quality on the deals held out, and the fitted estimator itself. The newest row is the
    model in force; a row with `status` fallback says there was too little history, and the
    stage probabilities stay in force."""

    class Status(models.TextChoices):
        TRAINED = "trained", _("Trained")
        FALLBACK = "fallback", _("Too little history: stage probabilities in force")

    version = models.PositiveIntegerField(_("version"), unique=True)
    trained_at = models.DateTimeField(_("trained at"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    algorithm = models.CharField(_("algorithm"), max_length=60, blank=True)
    n_closed = models.PositiveIntegerField(_("closed deals"), default=0)
    n_won = models.PositiveIntegerField(_("deals won"), default=0)
    n_train = models.PositiveIntegerField(_("deals trained on"), default=0)
    n_test = models.PositiveIntegerField(_("deals held out"), default=0)
    #: Area under the ROC curve on the held-out deals (None when they hold one outcome only).
    auc = models.FloatField(_("AUC"), null=True, blank=True)
    brier = models.FloatField(_("Brier score"), null=True, blank=True)
    #: [{"low", "high", "deals", "predicted", "observed"}]: predicted vs observed win rate.
    calibration = models.JSONField(_("calibration"), default=list, blank=True)
    feature_names = models.JSONField(_("features"), default=list, blank=True)
    #: The fitted scikit-learn pipeline, serialised by joblib (never loaded from outside).
    estimator = models.BinaryField(_("estimator"), null=True, blank=True)
    seconds = models.FloatField(_("training seconds"), default=0)
    #: {"base": the company's win rate, "owner"/"unit": {id: [closed, won]}} at training: the
    #: reps' and units' records its predictions read.
    history = models.JSONField(_("win history"), default=dict, blank=True)

    class Meta:
        verbose_name = _("win model")
        verbose_name_plural = _("win models")

    def __str__(self) -> str:
        return f"v{self.version} {self.status} {self.trained_at:%Y-%m-%d}"


class WinPrediction(models.Model):
    """The learned win probability of one open deal, and the factors that moved it most."""

    opportunity = models.OneToOneField(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="win_prediction",
    )
    model = models.ForeignKey(
        WinModel, verbose_name=_("win model"), on_delete=models.CASCADE, related_name="+"
    )
    probability = models.DecimalField(
        _("learned win probability %"), max_digits=5, decimal_places=2
    )
    #: [{"feature", "value", "effect"}], strongest first (effect in log-odds).
    factors = models.JSONField(_("factors"), default=list)
    predicted_at = models.DateTimeField(_("predicted at"))

    class Meta:
        verbose_name = _("win prediction")
        verbose_name_plural = _("win predictions")

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.probability}%"
