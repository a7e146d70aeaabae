import re

from django.core.checks import Error, register

from . import conf

ORIGIN_PATTERN = re.compile(r"^[^\s+]+$")


@register()
def check_origin(app_configs, **kwargs):
    origin = conf.origin()
    if not ORIGIN_PATTERN.match(origin):
        return [
            Error(
                f"EPORT_LEDGER_ORIGIN {origin!r} is not a valid checkpoint origin.",
                hint="Use a non-empty name without spaces or '+', e.g. 'eport.example/ledger'.",
                id="ledger.E001",
            )
        ]
    return []
