"""Reads of custom-field definitions: company-wide, everyone signed in may read them."""

from __future__ import annotations

from django.db import models

from .models import CustomField


def custom_field_list(*, user=None) -> models.QuerySet[CustomField]:
    """Every definition (retired ones too: their values are still on the records)."""
    return CustomField.objects.order_by("target", "position", "id")
