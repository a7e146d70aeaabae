"""What every declaration page shares."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

INCOMPLETE_FORM = _("The form was incomplete; reload the page and try again.")


def detail_url(declaration) -> str:
    return reverse("declarations:detail", args=[declaration.uuid])
