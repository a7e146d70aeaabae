from django.apps import AppConfig


class PeersConfig(AppConfig):
    name = "bench.peers"
    label = "bench_peers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from auditlog.registry import auditlog
        from reversion import register

        from .models import AuditlogDeclaration, ReversionDeclaration

        auditlog.register(AuditlogDeclaration)
        register(ReversionDeclaration)
