"""Calls per token (or per signed-in user) and per minute, counted in the database.

The counter lives in the "api-throttle" cache alias, a DatabaseCache table
(config/settings.py), not in Redis: Redis is only the Celery broker here and may
be down while the site runs, and a local-memory cache would count per gunicorn
worker. The cost is one small read and write per call.
"""

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"
    cache = caches["api-throttle"]

    def get_rate(self):
        # Read per call, not at import: tests and the generated-request run raise it.
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
