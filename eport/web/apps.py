from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "eport.web"
    label = "web"
    verbose_name = "Web pages"
