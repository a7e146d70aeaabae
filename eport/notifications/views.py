"""The notification pages: the list, following one, marking all read, e-mail preferences."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .forms import EmailPreferencesForm

PER_PAGE = 20


@login_required
@require_http_methods(["GET", "HEAD"])
def notification_list(request):
    page = Paginator(selectors.notifications_for(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/list.html",
        {"page_obj": page, "notifications": page.object_list},
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def open_notification(request, pk: int):
    """Follow a notification to what it is about; it counts as read."""
    notification = selectors.get_notification_for(request.user, pk)
    services.open_notification(notification=notification, actor=request.user)
    return redirect(notification.target())


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request):
    choices = selectors.email_choices(request.user)
    form = EmailPreferencesForm(request.POST or None, user=request.user, initial_choices=choices)
    if request.method == "POST" and form.is_valid():
        services.save_email_preferences(actor=request.user, email=form.cleaned_data)
        messages.success(request, _("Your e-mail choices are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
