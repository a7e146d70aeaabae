"""简体中文 as eport writes it: Django's Chinese dates, amounts grouped by thousands (1,234,567.89)
as Chinese customs and banks print them."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
