"""Shared field defaults of the key-account models."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator

ZERO = Decimal("0")
PERCENT = [MinValueValidator(0), MaxValueValidator(100)]
