from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "eport.reference"
    label = "reference"
    verbose_name = "Reference data"
