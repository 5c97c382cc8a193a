from django.conf import settings

from config.navigation import menu_for


def site(request):
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        "nav_items": menu_for(user) if user is not None else [],
    }
