import pytest
from rest_framework.test import APIClient

from api.services import token_create


def token_client(user, name="test"):
    """A client that calls the API as a program would: with a personal token, no session."""
    _token, key = token_create(user=user, name=name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def api_as(db):
    """api_as(user) → a token client for that user."""
    return token_client


@pytest.fixture(autouse=True)
def generous_throttle(settings):
    settings.API_THROTTLE_RATE = "100000/minute"
