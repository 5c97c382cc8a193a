from django.conf import settings
from django.utils.functional import SimpleLazyObject

from config.navigation import menu_for
from targets.notifications import unread_count


def site(request):
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "nav_items": menu_for(user) if user is not None else [],
        # One count query per page, for the top bar's "Thông báo (n)".
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user)),
    }
