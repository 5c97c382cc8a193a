"""What a clerk is told when the database fails in the middle of a request.

A lost connection (a restart, a failover, a network cut) surfaces as
OperationalError or InterfaceError. Every write path runs in one transaction
(targets.services), so an error before its commit leaves nothing saved: the
answer is 503 with a page saying so and asking to send again. To say it
truthfully the request keeps count of its own committed writes: a write in
autocommit mode is committed when it returns, a write inside a transaction
when the outermost block commits (transaction.on_commit). If one was
committed before the failure the page says the data may have been saved.
"""

import sys

from django.db import InterfaceError, OperationalError, connection, transaction
from django.http import HttpResponse, JsonResponse
from django.template import loader

DATABASE_ERRORS = (OperationalError, InterfaceError)
WRITE_VERBS = {"INSERT", "UPDATE", "DELETE"}
RETRY_AFTER_SECONDS = 30


class CommitTracker:
    """An execute wrapper that notes whether a write of this request has been committed."""

    def __init__(self):
        self.committed = False

    def _mark(self):
        self.committed = True

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        verb = sql.lstrip().split(None, 1)[0].upper() if sql else ""
        if verb in WRITE_VERBS:
            if context["connection"].in_atomic_block:
                transaction.on_commit(self._mark, using=context["connection"].alias)
            else:
                self._mark()
        return result


def track_commits(request, get_response):
    tracker = CommitTracker()
    request.db_commit_tracker = tracker
    with connection.execute_wrapper(tracker):
        return get_response(request)


def is_database_error(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_ERRORS)


def database_unavailable(request) -> HttpResponse:
    """The 503 page. Rendered without the request context: the context processors would ask the
    database (the menu reads the user's roles) and fail again."""
    tracker = getattr(request, "db_commit_tracker", None)
    saved = bool(tracker and tracker.committed)
    if is_api(request):
        response = JsonResponse(
            {
                "detail": "Cơ sở dữ liệu tạm thời không kết nối được; "
                + (
                    "một phần yêu cầu có thể đã được lưu, hãy đọc lại trước khi gửi lại."
                    if saved
                    else "chưa lưu gì, hãy gửi lại sau khoảng một phút."
                ),
                "saved": "maybe" if saved else "nothing",
            },
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        body = loader.render_to_string("503.html", {"maybe_saved": saved})
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def is_api(request) -> bool:
    """A call of the JSON API (api/): its errors answer JSON, never a page."""
    return request.path.startswith("/api/")


def current_exception() -> BaseException | None:
    return sys.exc_info()[1]
