from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.shortcuts import render
from django.urls import reverse_lazy

from .services import change_password


class LoginForm(AuthenticationForm):
    """Django's sign-in form, with the username's length checked before anyone authenticates.

    Django sets the field's max_length after it is built, which limits the input box but checks
    nothing; a longer name reached the failed-login records (255 characters) and failed there.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(login_failure_limit=settings.AXES_FAILURE_LIMIT, **kwargs)


def lockout(request, original_response=None, credentials=None):
    """The page shown once django-axes locks a username and address out (HTTP 429)."""
    cooloff = settings.AXES_COOLOFF_TIME
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "username": (credentials or {}).get("username") or request.POST.get("username", ""),
        "cooloff_minutes": int(cooloff.total_seconds() // 60) if cooloff else None,
    }
    return render(request, "accounts/lockout.html", context, status=429)


class LogoutView(auth_views.LogoutView):
    """POST only (Django's own rule): a link or prefetch can never sign someone out."""


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        try:
            change_password(
                user=form.user,
                actor=self.request.user,
                new_password=form.cleaned_data["new_password1"],
            )
        except ValidationError as error:
            form.add_error("new_password2", error.messages)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, form.user)
        return super(auth_views.PasswordChangeView, self).form_valid(form)


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"
