from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "eport.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from eport.banks import signals as banks
        from eport.declarations import signals as declarations
        from eport.licensing import signals as licensing
        from eport.payments import signals as payments

        from . import receivers

        declarations.moved.connect(receivers.on_declaration_moved, dispatch_uid="notify.moved")
        banks.presented.connect(receivers.on_presented, dispatch_uid="notify.presented")
        payments.awaiting_bank.connect(receivers.on_awaiting_bank, dispatch_uid="notify.bank")
        licensing.applied.connect(receivers.on_licence_applied, dispatch_uid="notify.applied")
        licensing.moved.connect(receivers.on_licence_moved, dispatch_uid="notify.licence")
