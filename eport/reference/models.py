from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models


class HsCode(models.Model):
    """One line of the HS 2022 nomenclature: a chapter (2 digits), heading (4) or subheading (6)."""

    code = models.CharField(max_length=6, primary_key=True)
    level = models.PositiveSmallIntegerField()
    section = models.CharField(max_length=5)
    parent = models.CharField(max_length=6, blank=True)
    description = models.TextField()

    class Meta:
        ordering = ["code"]
        verbose_name = "HS code"

    def __str__(self):
        return f"{self.code} {self.description}"


class TariffLine(models.Model):
    """Duty and VAT rates for an HS prefix; the longest matching prefix applies.

    The rates shipped with eport are illustrative, not the legal tariff.
    """

    hs_prefix = models.CharField(
        "HS prefix",
        max_length=10,
        unique=True,
        validators=[RegexValidator(r"^[0-9]{2,10}$", "An HS prefix is 2 to 10 digits.")],
    )
    description = models.CharField(max_length=200, blank=True)
    duty_rate = models.DecimalField(
        "duty rate (%)",
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(1000)],
    )
    vat_rate = models.DecimalField(
        "VAT rate (%)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    illustrative = models.BooleanField(
        default=True, help_text="Shipped example rate, not the legal tariff."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["hs_prefix"]

    def __str__(self):
        label = " (illustrative)" if self.illustrative else ""
        return f"{self.hs_prefix}: duty {self.duty_rate}%, VAT {self.vat_rate}%{label}"

    @property
    def ledger_subject(self) -> str:
        return f"tariff:{self.hs_prefix}"
