from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "eport.api"
    label = "api"
    verbose_name = "REST API"
