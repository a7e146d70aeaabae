from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class HsCode(models.Model):
    """One line of the HS 2022 nomenclature: a chapter (2 digits), heading (4) or subheading (6)."""

    code = models.CharField(gettext_lazy("code"), max_length=6, primary_key=True)
    level = models.PositiveSmallIntegerField(gettext_lazy("level"))
    section = models.CharField(gettext_lazy("section"), max_length=5)
    parent = models.CharField(gettext_lazy("parent"), max_length=6, blank=True)
    # The WCO's English text; not translated (see eport.reference.codes.HS_DESCRIPTION_NOTE).
    description = models.TextField(gettext_lazy("description"))

    class Meta:
        ordering = ["code"]
        verbose_name = gettext_lazy("HS code")
        verbose_name_plural = gettext_lazy("HS codes")

    def __str__(self):
        return f"{self.code} {self.description}"


class TariffLine(models.Model):
    """Duty and VAT rates for an HS prefix; the longest matching prefix applies.

    The rates shipped with eport are illustrative, not the legal tariff.
    """

    hs_prefix = models.CharField(
        gettext_lazy("HS prefix"),
        max_length=10,
        unique=True,
        validators=[
            RegexValidator(r"^[0-9]{2,10}$", gettext_lazy("An HS prefix is 2 to 10 digits."))
        ],
    )
    description = models.CharField(gettext_lazy("description"), max_length=200, blank=True)
    duty_rate = models.DecimalField(
        gettext_lazy("duty rate (%)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(1000)],
    )
    vat_rate = models.DecimalField(
        gettext_lazy("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    illustrative = models.BooleanField(
        gettext_lazy("illustrative"),
        default=True,
        help_text=gettext_lazy("Shipped example rate, not the legal tariff."),
    )
    updated_at = models.DateTimeField(gettext_lazy("updated at"), auto_now=True)

    class Meta:
        ordering = ["hs_prefix"]
        verbose_name = gettext_lazy("tariff line")
        verbose_name_plural = gettext_lazy("tariff lines")

    def __str__(self):
        if self.illustrative:
            text = _("%(prefix)s: duty %(duty)s%%, VAT %(vat)s%% (illustrative)")
        else:
            text = _("%(prefix)s: duty %(duty)s%%, VAT %(vat)s%%")
        return text % {"prefix": self.hs_prefix, "duty": self.duty_rate, "vat": self.vat_rate}

    @property
    def ledger_subject(self) -> str:
        return f"tariff:{self.hs_prefix}"


class GoodsControl(models.Model):
    """Goods under another agency's control: an HS prefix and the measure it needs.

    A goods item's HS code is controlled by every line whose prefix it starts with. The lines
    shipped with eport are illustrative, not the legal lists.
    """

    class Measure(models.TextChoices):
        IMPORT_LICENCE = "import_licence", gettext_lazy("Import licence")
        EXPORT_LICENCE = "export_licence", gettext_lazy("Export licence")
        INSPECTION = "inspection", gettext_lazy("Statutory inspection")

    hs_prefix = models.CharField(
        gettext_lazy("HS prefix"),
        max_length=10,
        validators=[
            RegexValidator(r"^[0-9]{2,10}$", gettext_lazy("An HS prefix is 2 to 10 digits."))
        ],
    )
    measure = models.CharField(gettext_lazy("measure"), max_length=16, choices=Measure.choices)
    description = models.CharField(gettext_lazy("description"), max_length=200, blank=True)
    illustrative = models.BooleanField(
        gettext_lazy("illustrative"),
        default=True,
        help_text=gettext_lazy("Shipped example line, not the legal list."),
    )
    updated_at = models.DateTimeField(gettext_lazy("updated at"), auto_now=True)

    class Meta:
        ordering = ["measure", "hs_prefix"]
        verbose_name = gettext_lazy("goods control")
        verbose_name_plural = gettext_lazy("goods controls")
        constraints = [
            models.UniqueConstraint(fields=["measure", "hs_prefix"], name="unique_goods_control"),
        ]

    def __str__(self):
        text = _("%(prefix)s: %(measure)s")
        if self.illustrative:
            text = _("%(prefix)s: %(measure)s (illustrative)")
        return text % {"prefix": self.hs_prefix, "measure": self.get_measure_display()}

    @property
    def ledger_subject(self) -> str:
        return f"control:{self.measure}:{self.hs_prefix}"
