from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "eport.declarations"
    label = "declarations"
    verbose_name = "Declarations"
