"""A company's saved parties and goods lines: what its traders declare again and again.

They are starting points for a declaration's fields, nothing more: a declaration copies their
values when a trader chooses one, and later changes to a saved party never touch a filing.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from eport.accounts.models import Company


class SavedParty(models.Model):
    """A consignor or consignee, as the declaration names a party: name, country and id."""

    class Role(models.TextChoices):
        CONSIGNOR = "consignor", _("Consignor (exporter)")
        CONSIGNEE = "consignee", _("Consignee (importer)")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="saved_parties")
    role = models.CharField(_("role"), max_length=9, choices=Role.choices)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2)
    party_id = models.CharField(_("id"), max_length=35, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    LEDGER_FIELDS = ("company", "role", "name", "country", "party_id")

    class Meta:
        ordering = ["role", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "role", "name", "country", "party_id"],
                name="saved_party_once_per_company",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"

    @property
    def ledger_subject(self) -> str:
        return f"saved-party:{self.uuid}"


class SavedGoodsLine(models.Model):
    """A goods line's lasting part: HS code, description, origin and unit (not the amounts)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="saved_goods_lines")
    hs_code = models.CharField(_("HS code"), max_length=10)
    description = models.CharField(_("description"), max_length=300)
    origin_country = models.CharField(_("country of origin"), max_length=2)
    unit = models.CharField(_("unit"), max_length=3)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    LEDGER_FIELDS = ("company", "hs_code", "description", "origin_country", "unit")

    class Meta:
        ordering = ["hs_code", "description", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "hs_code", "description", "origin_country", "unit"],
                name="saved_goods_line_once_per_company",
            )
        ]

    def __str__(self) -> str:
        return f"{self.hs_code} {self.description} ({self.origin_country}, {self.unit})"

    @property
    def ledger_subject(self) -> str:
        return f"saved-goods-line:{self.uuid}"
