from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "eport.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self):
        from . import access, requestid

        access.allowed_networks()  # a wrong EPORT_METRICS_ALLOWED stops start-up, naming it
        requestid.connect_signals()
