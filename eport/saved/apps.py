from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SavedConfig(AppConfig):
    name = "eport.saved"
    label = "saved"
    verbose_name = _("Saved parties and goods lines")
