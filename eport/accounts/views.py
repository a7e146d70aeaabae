import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login

from . import second_factor
from .forms import SecondFactorCodeForm
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


# The second factor -----------------------------------------------------------------------------

# Recovery codes wait here between the request that made them and the one page that shows them.
RECOVERY_CODES_SESSION_KEY = "eport_recovery_codes"


def _next_url(request) -> str:
    """Where to go once the step is done: the page asked for, if it is ours, else home."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _verified(request, device) -> None:
    request.session.cycle_key()
    otp_login(request, device)


class SecondFactorEnrolView(LoginRequiredMixin, FormView):
    """Set up an authenticator app: QR code and secret, then its first code confirms it."""

    template_name = "accounts/second_factor_enrol.html"
    form_class = SecondFactorCodeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if not second_factor.second_factor_required(request.user):
                return redirect(_next_url(request))
            if second_factor.authenticator(request.user) is not None:
                url = reverse("accounts:second_factor_verify")
                return redirect(f"{url}?{urlencode({'next': _next_url(request)})}")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        device = second_factor.start_enrolment(user=self.request.user)
        qr = segno.make(device.config_url, error="m")
        return super().get_context_data(
            qr_code=qr.svg_data_uri(scale=5, dark="#111", light="#fff"),
            secret=second_factor.grouped(second_factor.secret_of(device)),
            next=_next_url(self.request),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            device, codes = second_factor.confirm_enrolment(
                user=self.request.user, actor=self.request.user, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            form.add_error("code", error.message_dict.get("code", error.messages))
            return self.form_invalid(form)
        _verified(self.request, device)
        self.request.session[RECOVERY_CODES_SESSION_KEY] = codes
        return redirect(
            f"{reverse('accounts:recovery_codes')}?{urlencode({'next': _next_url(self.request)})}"
        )


class SecondFactorVerifyView(LoginRequiredMixin, FormView):
    """The second step of every sign-in: a code from the app, or a recovery code."""

    template_name = "accounts/second_factor_verify.html"
    form_class = SecondFactorCodeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if request.user.is_verified() or not second_factor.second_factor_required(request.user):
                return redirect(_next_url(request))
            if second_factor.authenticator(request.user) is None:
                url = reverse("accounts:second_factor_enrol")
                return redirect(f"{url}?{urlencode({'next': _next_url(request)})}")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=_next_url(self.request), **kwargs)

    def form_valid(self, form):
        try:
            verification = second_factor.verify_sign_in_code(
                user=self.request.user, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            form.add_error("code", error.message_dict.get("code", error.messages))
            return self.form_invalid(form)
        _verified(self.request, verification.device)
        left = verification.recovery_codes_left
        if left is not None:
            text = ngettext(
                "You signed in with a recovery code; it cannot be used again. "
                "%(count)d recovery code remains.",
                "You signed in with a recovery code; it cannot be used again. "
                "%(count)d recovery codes remain.",
                left,
            ) % {"count": left}
            if left <= 3:
                text += " " + _("Make new ones on the Sign-in security page.")
            messages.warning(self.request, text)
        return redirect(_next_url(self.request))


class RecoveryCodesView(LoginRequiredMixin, TemplateView):
    """New recovery codes, shown once: the page forgets them as it shows them."""

    template_name = "accounts/recovery_codes.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            codes=self.request.session.pop(RECOVERY_CODES_SESSION_KEY, None),
            next=_next_url(self.request),
            **kwargs,
        )


class SecurityView(LoginRequiredMixin, TemplateView):
    """Sign-in security: the second factor's state, and new recovery codes on request."""

    template_name = "accounts/security.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            required=second_factor.second_factor_required(user),
            enrolled=second_factor.authenticator(user) is not None,
            recovery_codes_left=second_factor.recovery_codes_left(user),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        try:
            codes = second_factor.regenerate_recovery_codes(user=request.user, actor=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("accounts:security")
        request.session[RECOVERY_CODES_SESSION_KEY] = codes
        url = reverse("accounts:recovery_codes")
        return redirect(f"{url}?{urlencode({'next': reverse('accounts:security')})}")
