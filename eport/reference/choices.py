"""The fixed code lists a declaration uses: Incoterms, transport modes and document types.

They live here, not in the declarations app, so reference data has one home and the arrows point
down: ``eport.declarations.models`` takes its field choices from this module. The module needs no
database, so models can import it while the app registry is still loading. The labels are our own
wording and translated (lazily: a label is read in the language of the request that shows it);
the codes are the standards' and never change.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TransportMode(models.TextChoices):  # UN Recommendation 19
    SEA = "1", pgettext_lazy("transport mode", "Sea")
    RAIL = "2", pgettext_lazy("transport mode", "Rail")
    ROAD = "3", pgettext_lazy("transport mode", "Road")
    AIR = "4", pgettext_lazy("transport mode", "Air")
    POST = "5", pgettext_lazy("transport mode", "Post")
    FIXED = "7", pgettext_lazy("transport mode", "Fixed installation")
    INLAND_WATERWAY = "8", pgettext_lazy("transport mode", "Inland waterway")
    OWN_PROPULSION = "9", pgettext_lazy("transport mode", "Own propulsion")


class Incoterm(models.TextChoices):  # Incoterms 2020
    EXW = "EXW", _("EXW Ex Works")
    FCA = "FCA", _("FCA Free Carrier")
    CPT = "CPT", _("CPT Carriage Paid To")
    CIP = "CIP", _("CIP Carriage and Insurance Paid To")
    DAP = "DAP", _("DAP Delivered at Place")
    DPU = "DPU", _("DPU Delivered at Place Unloaded")
    DDP = "DDP", _("DDP Delivered Duty Paid")
    FAS = "FAS", _("FAS Free Alongside Ship")
    FOB = "FOB", _("FOB Free on Board")
    CFR = "CFR", _("CFR Cost and Freight")
    CIF = "CIF", _("CIF Cost, Insurance and Freight")


class DocumentType(models.TextChoices):  # UN/CEFACT 1001
    COMMERCIAL_INVOICE = "380", _("380 Commercial invoice")
    PACKING_LIST = "271", _("271 Packing list")
    BILL_OF_LADING = "705", _("705 Bill of lading")
    AIR_WAYBILL = "740", _("740 Air waybill")
    CERTIFICATE_OF_ORIGIN = "861", _("861 Certificate of origin")
    IMPORT_LICENCE = "911", _("911 Import licence")
