from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "eport.audit"
    label = "audit"
    verbose_name = "Audit"
