"""Requests generated from the OpenAPI schema (Schemathesis), valid and malformed, against the app itself.

Every operation of /api/schema/ is called in process (WSGI) on a throwaway copy of the demo (the test
database, rolled back after each operation), as the bloc office and as a unit secretary, with the
throttle raised. Each answer must not be a server error, must use a status code the schema declares,
and must match the schema declared for it. The number of requests is printed at the end (-s).
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.services import token_create
from tests.helpers import examples

# Examples per operation and generation mode: 18 operations × 2 modes × this, plus explicit examples,
# keeps the run near a minute on two cores.
EXAMPLES = examples(10)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
REQUESTS = {"count": 0, "by_status": {}}


def _schema():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    # Through JSON: the generator's lazy strings and dates become plain values, as /api/schema/ serves them.
    import json

    from rest_framework.utils.encoders import JSONEncoder

    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(raw, cls=JSONEncoder)))
    loaded.app = get_wsgi_application()
    loaded.config.generation.update(
        modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
        max_examples=EXAMPLES,
        deterministic=True,
    )
    return loaded


schema = _schema()


@pytest.fixture
def tokens(db, settings):
    """Keys of the bloc office and of a unit secretary, with the throttle raised.

    The requests go through the real WSGI handler, which closes the database connection at the end
    of each request (the test's transaction with it, on PostgreSQL); like Django's test client, the
    test keeps its connection open while it runs.
    """
    from django.contrib.auth import get_user_model
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    settings.API_THROTTLE_RATE = "1000000/minute"
    users = get_user_model().objects
    keys = [
        token_create(user=users.get(username="vanphong"), name="schemathesis")[1],
        token_create(user=users.get(username="namtanuyen"), name="schemathesis")[1],
    ]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield keys
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def count_report():
    yield
    print(
        f"\nschemathesis: {REQUESTS['count']} requests; by status: {dict(sorted(REQUESTS['by_status'].items()))}"
    )


@pytest.mark.django_db
@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
def test_every_operation_answers_as_its_schema_says(case, tokens):
    for key in tokens:
        response = case.call(headers={"Authorization": f"Bearer {key}"})
        REQUESTS["count"] += 1
        REQUESTS["by_status"][response.status_code] = REQUESTS["by_status"].get(response.status_code, 0) + 1
        case.validate_response(response, checks=CHECKS)
