from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "eport.payments"
    verbose_name = _("Duties and taxes")

    def ready(self):
        from eport.declarations import signals

        from . import receivers

        signals.assessed.connect(receivers.issue_bill_on_assessment, dispatch_uid="payments.bill")
