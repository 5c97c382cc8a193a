"""Pages: login first, Vietnamese by default, health check open."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

# Sample values for every URL parameter of our pages.
SAMPLE = {
    "code": "kcn-nam-tan-uyen",
    "period": "2025-q2",
    "pk": 1,
    "kind": "transfer",
    "uidb64": "MQ",
    "token": "x-y",
}
# Open without login: the one-time password link (tests/test_admin.py) answers "link no longer valid".
OPEN = {"login", "healthz", "set_language", "password_reset_confirm", "password_reset_complete"}


def our_routes(patterns=None, namespace=""):
    """(name, path) of every named route of the project, outside the admin."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            yield from our_routes(entry.url_patterns, f"{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            name = namespace + entry.name
            kwargs = {key: SAMPLE[key] for key in entry.pattern.converters}
            yield name, reverse(name, kwargs=kwargs)


ROUTES = sorted(set(our_routes()))
# The JSON API answers for itself without credentials: 401 (a program has no login page to go to);
# any other address under /api/ is a JSON 404 (api/urls.py). Its documentation and token pages are pages.
API_JSON = {name for name, _ in ROUTES if name.startswith("api:") and name not in {"api:docs", "api:tokens"}}


def test_the_routes_are_found():
    assert {"targets:home", "units:tree", "units:detail", "healthz"} <= {name for name, _ in ROUTES}


@pytest.mark.parametrize(
    ("name", "path"), [r for r in ROUTES if r[0] not in OPEN | API_JSON and r[0] != "logout"]
)
def test_every_page_asks_for_login_first(client, name, path):
    response = client.get(path)
    assert response.status_code == 302, name
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "path"), [r for r in ROUTES if r[0] in API_JSON])
def test_every_api_endpoint_asks_for_credentials_in_json(client, name, path):
    response = client.get(path)
    assert response.status_code == (404 if name == "api:not_found" else 401), name
    # The schema answers in its own media type (YAML, or JSON with ?format=json), never an HTML page.
    assert response["Content-Type"].split(";")[0] in ("application/json", "application/vnd.oai.openapi")


def test_health_check_is_open_and_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_login_with_the_demo_password_lands_on_the_home_page(client):
    page = client.get("/accounts/login/")
    assert "Đăng nhập" in page.content.decode()
    response = client.post("/accounts/login/", {"username": "vanphong", "password": "demo1234"}, follow=True)
    assert response.context["user"].username == "vanphong"
    assert response.redirect_chain[-1][0] == "/"


def test_a_wrong_password_is_answered_in_vietnamese(client):
    response = client.post("/accounts/login/", {"username": "vanphong", "password": "sai"})
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()


def test_home_shows_the_congress_and_every_target_in_vietnamese(office_client):
    html = office_client.get("/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert '<html lang="vi">' in html
    for text in (
        "7.935",
        "299",
        "1.800 đảng viên",
        "≥ 300 đảng viên",
        "20 tổ chức đảng",
        "25 tổ chức",
        "≥ 90%",
        "100%",
        "Kết nạp 1.800 đảng viên mới",
        "Hằng năm có 90% đảng viên trở lên hoàn thành tốt nhiệm vụ",
        "Đại hội XI Đảng bộ tỉnh Bình Dương",
    ):
        assert text in html, text


def test_the_language_switch_turns_the_page_into_english(office_client):
    office_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = office_client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "1,800" in html
    assert "Sign out" in html


def test_the_unit_tree_lists_the_bloc_and_finds_a_unit_without_accents(office_client):
    html = office_client.get("/units/").content.decode()
    assert "Đảng bộ Khối Các cơ quan và doanh nghiệp tỉnh Bình Dương" in html
    assert "7.935 đảng viên" in html
    found = office_client.get("/units/", {"q": "nam tan uyen"}).content.decode()
    assert "Đảng ủy Khu công nghiệp Nam Tân Uyên" in found
    assert "Đảng bộ Sở Xây dựng" not in found


def test_a_secretary_sees_only_their_own_subtree_in_the_tree(buudien_client):
    html = buudien_client.get("/units/").content.decode()
    assert "Đảng bộ Bưu điện tỉnh Bình Dương" in html
    assert "Khu công nghiệp Nam Tân Uyên" not in html
    assert buudien_client.get("/units/kcn-nam-tan-uyen/").status_code == 404


def _our_models():
    from django.apps import apps

    for app_label in ("units", "resolutions", "targets"):
        for model in apps.get_app_config(app_label).get_models():
            # Django's admin cannot show a table with a composite primary key: the roll-up rows
            # (derived; rebuilt by `rollup --full`) are the only one.
            if model._meta.pk.__class__.__name__ != "CompositePrimaryKey":
                yield f"{app_label}/{model._meta.model_name}"


ADMIN_MODELS = sorted(_our_models())


def test_every_model_but_the_roll_up_rows_is_in_the_admin():
    from django.contrib import admin

    registered = {f"{m._meta.app_label}/{m._meta.model_name}" for m in admin.site._registry}
    assert set(ADMIN_MODELS) <= registered
    assert "targets/historicalprogressreport" in ADMIN_MODELS


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_the_bloc_office_can_use_the_admin_for_every_model(office_client, model):
    assert office_client.get(f"/admin/{model}/").status_code == 200


@pytest.mark.parametrize("model", [m for m in ADMIN_MODELS if "/historical" in m])
def test_audit_history_is_read_only_in_the_admin(office_client, model):
    from django.apps import apps

    record = apps.get_model(*model.split("/")).objects.first()
    assert office_client.get(f"/admin/{model}/add/").status_code == 403
    if record is not None:
        assert office_client.post(f"/admin/{model}/{record.pk}/delete/", {"post": "yes"}).status_code == 403
        assert apps.get_model(*model.split("/")).objects.filter(pk=record.pk).exists()
