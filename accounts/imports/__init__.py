"""Imports of customers (here) and of later stages' records (registered by their apps)."""

from .base import Column, Importer, Row, importer_for, importers, register

__all__ = ["Column", "Importer", "Row", "importer_for", "importers", "register"]
