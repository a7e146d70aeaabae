"""Authentication backends: the model backend, loading the person's company and office with them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


class AccountBackend(ModelBackend):
    """ModelBackend whose session user arrives with company and office in the same query.

    Every page shows the person's company or office, so fetching them lazily cost a query per
    request. Listed before Django's own ModelBackend, which stays only so that sessions signed
    in through it remain valid; a failed sign-in stops here so the password is not checked twice.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and username is not None and password is not None:
            raise PermissionDenied(_("Wrong username or password."))
        return user

    def get_user(self, user_id):
        """The active user with its organisation (company, office or bank) loaded, or None."""
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("company", "office", "bank").get(
                pk=user_id
            )
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
