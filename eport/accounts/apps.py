from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "eport.accounts"
    label = "accounts"
    verbose_name = "Accounts and organisations"
