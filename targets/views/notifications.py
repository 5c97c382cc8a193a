"""A person's notifications: the list, opening one (marks it read), marking all read."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from config import clock
from targets.models import Notification

PAGE_SIZE = 50


def notification_list(request):
    rows = Notification.objects.filter(user=request.user).select_related("unit")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "targets/notifications.html", {"page": page})


@require_POST
def notification_open(request, pk):
    """Mark one read and go where it points (only ever to a page of this site)."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    if notification.read_at is None:
        Notification.objects.filter(pk=pk, read_at__isnull=True).update(read_at=clock.now())
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("targets:notifications")


@require_POST
def notification_read_all(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=clock.now())
    return redirect("targets:notifications")
