"""English as eport writes it: British dates (6 Dec 2026) and grouped thousands."""

from django.conf.locale.en_GB.formats import *  # noqa: F403
