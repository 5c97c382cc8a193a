"""Each role reaches exactly the units it should (units/access.py)."""

import pytest
from django.http import Http404

from units.access import Action, can, unit_or_404, units_for
from units.models import Unit

pytestmark = pytest.mark.django_db


def unit(code):
    return Unit.objects.get(code=code)


def test_the_bloc_office_sees_and_reviews_every_unit_but_does_not_enter(vanphong):
    assert units_for(vanphong).count() == Unit.objects.filter(path__startswith=unit("duk").path).count()
    assert can(vanphong, unit("buu-dien"), Action.REVIEW)
    assert not can(vanphong, unit("buu-dien"), Action.ENTER)


def test_the_standing_committee_reads_everything_and_changes_nothing(thuongvu):
    assert can(thuongvu, unit("kcn-nam-tan-uyen"), Action.VIEW)
    assert not units_for(thuongvu, Action.ENTER).exists()
    assert not units_for(thuongvu, Action.REVIEW).exists()


def test_a_secretary_enters_for_their_unit_and_its_cells(namtanuyen):
    own = unit("kcn-nam-tan-uyen")
    assert can(namtanuyen, own, Action.ENTER)
    cells = Unit.objects.filter(path__startswith=own.path, depth=own.depth + 1)
    assert cells.exists()
    assert all(can(namtanuyen, cell, Action.ENTER) for cell in cells)
    assert set(units_for(namtanuyen, Action.ENTER)) == set(own.subtree())


def test_a_secretary_never_reaches_another_unit_or_the_bloc(buudien):
    assert not can(buudien, unit("kcn-nam-tan-uyen"), Action.VIEW)
    assert not can(buudien, unit("duk"), Action.VIEW)
    with pytest.raises(Http404):
        unit_or_404(buudien, "kcn-nam-tan-uyen")


def test_an_unknown_code_and_a_forbidden_code_look_the_same(buudien):
    for code in ("kcn-nam-tan-uyen", "no-such-unit"):
        with pytest.raises(Http404):
            unit_or_404(buudien, code)


def test_a_user_with_no_role_sees_nothing(django_user_model):
    stranger = django_user_model.objects.create_user("stranger", password="x")
    assert not units_for(stranger).exists()
    assert not can(stranger, unit("duk"))


def test_a_reader_asking_to_write_is_refused_not_hidden(thuongvu):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        unit_or_404(thuongvu, "kcn-nam-tan-uyen", Action.ENTER)
    assert unit_or_404(thuongvu, "kcn-nam-tan-uyen", Action.VIEW).code == "kcn-nam-tan-uyen"


@pytest.fixture
def superuser(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("quantri", "quantri@example.org", "demo1234")


def test_a_superuser_counts_as_bloc_office_reviews_and_never_enters(superuser):
    from units.access import home_units, is_bloc_office

    assert is_bloc_office(superuser)
    assert [u.code for u in home_units(superuser)] == ["duk"]
    assert can(superuser, unit("buu-dien"), Action.REVIEW)
    assert not can(superuser, unit("buu-dien"), Action.ENTER)
    assert not units_for(superuser, Action.ENTER).exists()


def test_a_superuser_with_no_membership_opens_every_link_of_its_menu(client, superuser):
    client.force_login(superuser)
    menu = client.get("/").context["nav_items"]
    assert len(menu) >= 6
    for item in menu:
        assert client.get(item.url).status_code == 200, item.url


def test_a_superuser_cannot_save_a_units_figures(client, superuser):
    from tests.helpers import URL, good_figures

    client.force_login(superuser)
    assert client.post(URL, good_figures(save="1")).status_code == 403
