from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "eport.outbox"
    label = "outbox"
    verbose_name = "Outbox"
