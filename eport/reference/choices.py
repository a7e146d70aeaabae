"""The fixed code lists a declaration uses: Incoterms, transport modes and document types.

They live here, not in the declarations app, so reference data has one home and the arrows point
down: ``eport.declarations.models`` takes its field choices from this module. The module needs no
database, so models can import it while the app registry is still loading.
"""

from django.db import models


class TransportMode(models.TextChoices):  # UN Recommendation 19
    SEA = "1", "Sea"
    RAIL = "2", "Rail"
    ROAD = "3", "Road"
    AIR = "4", "Air"
    POST = "5", "Post"
    FIXED = "7", "Fixed installation"
    INLAND_WATERWAY = "8", "Inland waterway"
    OWN_PROPULSION = "9", "Own propulsion"


class Incoterm(models.TextChoices):  # Incoterms 2020
    EXW = "EXW", "EXW Ex Works"
    FCA = "FCA", "FCA Free Carrier"
    CPT = "CPT", "CPT Carriage Paid To"
    CIP = "CIP", "CIP Carriage and Insurance Paid To"
    DAP = "DAP", "DAP Delivered at Place"
    DPU = "DPU", "DPU Delivered at Place Unloaded"
    DDP = "DDP", "DDP Delivered Duty Paid"
    FAS = "FAS", "FAS Free Alongside Ship"
    FOB = "FOB", "FOB Free on Board"
    CFR = "CFR", "CFR Cost and Freight"
    CIF = "CIF", "CIF Cost, Insurance and Freight"


class DocumentType(models.TextChoices):  # UN/CEFACT 1001
    COMMERCIAL_INVOICE = "380", "380 Commercial invoice"
    PACKING_LIST = "271", "271 Packing list"
    BILL_OF_LADING = "705", "705 Bill of lading"
    AIR_WAYBILL = "740", "740 Air waybill"
    CERTIFICATE_OF_ORIGIN = "861", "861 Certificate of origin"
    IMPORT_LICENCE = "911", "911 Import licence"
