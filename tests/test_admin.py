"""The admin is no second write path, and no way around the separation of duties.

Reports, figures, files and reopenings are read there, never written; approved
reports are deleted nowhere; a unit with a history is ended, never deleted;
nobody gives themselves a role, the office holds no unit role; nobody sets or
sees another person's password.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.test import Client

from config.refusals import Refused
from targets.models import DeadlineExtension, Entry, ProgressReport, Rollup
from units.models import Membership, Unit

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def superuser_client(db):
    admin_user = User.objects.create_superuser("quantri", "quantri@example.org", "demo1234")
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def approved():
    return (
        ProgressReport.objects.filter(status="approved", unit__numchild=0, period__index=19)
        .select_related("unit", "period")
        .first()
    )


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# --- Reports, figures, files: read here, written on the report page -------------------------


@pytest.mark.parametrize("who", ["office_client", "superuser_client"])
def test_an_approved_report_is_read_only_in_the_admin_with_a_link_to_its_page(request, who, approved):
    client = request.getfixturevalue(who)
    page = client.get(f"/admin/targets/progressreport/{approved.pk}/change/").content.decode()
    assert f'href="/reports/{approved.unit.code}/{approved.period.slug}/"' in page
    assert 'name="_save"' not in page
    version = approved.version
    assert (
        client.post(f"/admin/targets/progressreport/{approved.pk}/change/", {"status": "draft"}).status_code
        == 403
    )
    assert (
        client.post(f"/admin/targets/progressreport/{approved.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    client.post(
        "/admin/targets/progressreport/",
        {"action": "delete_selected", "_selected_action": [approved.pk], "post": "yes"},
    )
    approved.refresh_from_db()
    assert (approved.status, approved.version) == ("approved", version)


def test_an_approved_figure_cannot_be_edited_in_the_admin_and_the_bloc_total_stays(office_client, approved):
    entry = Entry.objects.filter(report=approved, target__code="CT06").first()

    def bloc_total():
        return Rollup.objects.get(unit__code="duk", target__code="CT06", period=approved.period).cumulative

    before = bloc_total()
    response = office_client.post(
        f"/admin/targets/entry/{entry.pk}/change/",
        {"report": approved.pk, "target": entry.target_id, "value": entry.value + 10},
    )
    assert response.status_code == 403
    assert Entry.objects.get(pk=entry.pk).value == entry.value
    assert bloc_total() == before
    assert office_client.get("/admin/targets/entry/add/").status_code == 403


@pytest.mark.parametrize("model", ["targets/attachment", "targets/deadlineextension"])
def test_files_and_reopenings_are_read_only_in_the_admin(superuser_client, model):
    assert superuser_client.get(f"/admin/{model}/add/").status_code == 403
    assert superuser_client.get(f"/admin/{model}/").status_code == 200


def test_an_extension_cannot_be_deleted_in_the_admin_to_close_a_reopened_quarter(superuser_client):
    extension = DeadlineExtension.objects.get(unit__code="kcn-nam-tan-uyen", period__index=20)
    response = superuser_client.post(
        f"/admin/targets/deadlineextension/{extension.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert DeadlineExtension.objects.filter(pk=extension.pk).exists()


def test_reverting_a_report_to_an_old_version_from_its_admin_history_is_refused(superuser_client, approved):
    first = approved.history.order_by("history_date").first()  # "sent", before the approval
    assert first.status == "submitted"
    response = superuser_client.post(
        f"/admin/targets/progressreport/{approved.pk}/history/{first.history_id}/", {}
    )
    assert response.status_code == 403
    approved.refresh_from_db()
    assert approved.status == "approved"
    # Reading that version stays possible.
    assert (
        superuser_client.get(
            f"/admin/targets/progressreport/{approved.pk}/history/{first.history_id}/"
        ).status_code
        == 200
    )


def test_an_approved_report_is_not_deleted_from_code_either(approved):
    with pytest.raises(Refused, match="đã được duyệt"), transaction.atomic():
        ProgressReport.objects.filter(pk=approved.pk).delete()
    assert ProgressReport.objects.filter(pk=approved.pk).exists()
    assert Entry.objects.filter(report=approved).exists()


# --- Units: ended, not deleted ------------------------------------------------------------


def test_deleting_a_unit_with_reports_is_refused_saying_to_end_it(superuser_client):
    unit = Unit.objects.filter(kind="chi_bo_co_so", numchild=0, reports__isnull=False).first()
    response = superuser_client.get(f"/admin/units/unit/{unit.pk}/delete/", follow=True)
    text = messages_of(response)
    assert f"Không xóa được “{unit.name}”" in text
    assert "báo cáo quý" in text
    assert "Hoạt động đến" in text
    superuser_client.post(f"/admin/units/unit/{unit.pk}/delete/", {"post": "yes"})
    assert Unit.objects.filter(pk=unit.pk).exists()


def test_deleting_a_unit_with_cells_below_is_refused_instead_of_deleting_the_subtree(superuser_client):
    unit = Unit.objects.filter(kind="dang_bo_co_so", numchild__gt=0).first()
    subtree = unit.subtree().count()
    response = superuser_client.post(f"/admin/units/unit/{unit.pk}/delete/", {"post": "yes"}, follow=True)
    assert "đơn vị trực thuộc" in messages_of(response)
    assert unit.subtree().count() == subtree


def test_the_bulk_delete_of_units_obeys_the_same_rule(superuser_client):
    units = list(Unit.objects.filter(code__in=["buu-dien", "so-xay-dung"]))
    for step in ({}, {"post": "yes"}):
        response = superuser_client.post(
            "/admin/units/unit/",
            {"action": "delete_selected", "_selected_action": [u.pk for u in units], **step},
            follow=True,
        )
        assert "hãy kết thúc đơn vị" in messages_of(response)
    assert Unit.objects.filter(pk__in=[u.pk for u in units]).count() == 2


def test_a_unit_created_by_mistake_is_deleted(superuser_client):
    bloc = Unit.objects.get(code="duk")
    mistake = Unit.objects.add_child(
        bloc, instance=Unit(code="tao-nham", name="Tạo nhầm", kind="chi_bo_co_so")
    )
    page = superuser_client.get(f"/admin/units/unit/{mistake.pk}/delete/")
    assert page.status_code == 200
    superuser_client.post(f"/admin/units/unit/{mistake.pk}/delete/", {"post": "yes"})
    assert not Unit.objects.filter(code="tao-nham").exists()
    bloc.refresh_from_db()
    assert bloc.numchild == Unit.objects.filter(depth=2, path__startswith=bloc.path).count()


def test_a_unit_with_history_is_not_deleted_from_code_either(namtanuyen):
    """A unit whose records would silently cascade away (here a role) is refused at the model too."""
    bloc = Unit.objects.get(code="duk")
    unit = Unit.objects.add_child(bloc, instance=Unit(code="co-nguoi", name="Có người", kind="chi_bo_co_so"))
    Membership.objects.create(user=namtanuyen, unit=unit, role="unit_clerk")
    with pytest.raises(Refused, match="phân quyền"), transaction.atomic():
        Unit.objects.get(pk=unit.pk).delete()
    assert Membership.objects.filter(unit=unit).exists()


# --- Roles: nobody grants themselves one; the office holds no unit role ---------------------


def _add_membership(client, user, unit, role):
    return client.post("/admin/units/membership/add/", {"user": user.pk, "unit": unit.pk, "role": role})


def test_the_office_cannot_give_itself_a_unit_role(office_client, vanphong):
    unit = Unit.objects.get(code="kcn-nam-tan-uyen")
    response = _add_membership(office_client, vanphong, unit, "unit_clerk")
    assert response.status_code == 200
    assert "Không ai tự cấp hoặc tự sửa quyền của chính mình" in response.content.decode()
    assert not Membership.objects.filter(user=vanphong, unit=unit).exists()


def test_the_office_cannot_give_itself_a_role_through_the_units_page_either(office_client, vanphong):
    unit = Unit.objects.get(code="kcn-nam-tan-uyen")
    initial = office_client.get(f"/admin/units/unit/{unit.pk}/change/").context["adminform"].form.initial
    data = {name: ("" if value is None else value) for name, value in initial.items()}
    data["treebeard_ref_node"] = Unit.objects.get_parent(unit).pk
    existing = list(Membership.objects.filter(unit=unit))
    data.update({"memberships-TOTAL_FORMS": len(existing) + 1, "memberships-INITIAL_FORMS": len(existing)})
    for index, membership in enumerate(existing):
        data.update(
            {
                f"memberships-{index}-id": membership.pk,
                f"memberships-{index}-unit": unit.pk,
                f"memberships-{index}-user": membership.user_id,
                f"memberships-{index}-role": membership.role,
            }
        )
    new = len(existing)
    data.update({f"memberships-{new}-user": vanphong.pk, f"memberships-{new}-role": "unit_secretary"})
    response = office_client.post(f"/admin/units/unit/{unit.pk}/change/", data)
    assert "Không ai tự cấp hoặc tự sửa quyền của chính mình" in response.content.decode()
    assert not Membership.objects.filter(user=vanphong, unit=unit).exists()
    # The same form for another person goes through: the refusal was about oneself.
    other = get_user_model().objects.create_user("canbo-khac")
    data[f"memberships-{new}-user"] = other.pk
    assert office_client.post(f"/admin/units/unit/{unit.pk}/change/", data).status_code == 302
    assert Membership.objects.filter(user=other, unit=unit).exists()


def test_no_bloc_office_user_is_given_a_unit_role(superuser_client, django_user_model):
    colleague = django_user_model.objects.create_user("vanphong2")
    Membership.objects.create(user=colleague, unit=Unit.objects.get(code="duk"), role="bloc_office")
    unit = Unit.objects.get(code="kcn-nam-tan-uyen")
    response = _add_membership(superuser_client, colleague, unit, "unit_clerk")
    assert "người nhập và người duyệt phải là hai người" in response.content.decode()
    assert not Membership.objects.filter(user=colleague, unit=unit).exists()


def test_no_unit_secretary_joins_the_office(superuser_client, namtanuyen):
    response = _add_membership(superuser_client, namtanuyen, Unit.objects.get(code="duk"), "bloc_office")
    assert "người nhập và người duyệt phải là hai người" in response.content.decode()
    assert not Membership.objects.filter(user=namtanuyen, role="bloc_office").exists()


def test_the_office_gives_roles_to_other_people(office_client, django_user_model):
    clerk = django_user_model.objects.create_user("canbo-moi", first_name="Cán bộ mới")
    unit = Unit.objects.get(code="kcn-nam-tan-uyen")
    # It can find the person in the admin's search box ...
    found = office_client.get(
        "/admin/autocomplete/",
        {"app_label": "units", "model_name": "membership", "field_name": "user", "term": "canbo-moi"},
    )
    assert found.status_code == 200 and "canbo-moi" in found.content.decode()
    # ... and give the role.
    assert _add_membership(office_client, clerk, unit, "unit_clerk").status_code == 302
    assert Membership.objects.filter(user=clerk, unit=unit, role="unit_clerk").exists()


def test_a_one_person_office_may_be_given_a_unit_role_by_another_admin(superuser_client, vanphong, settings):
    settings.ALLOW_SELF_APPROVAL = True
    unit = Unit.objects.get(code="kcn-nam-tan-uyen")
    assert _add_membership(superuser_client, vanphong, unit, "unit_clerk").status_code == 302


# --- Passwords: nobody sets or sees another person's --------------------------------------


def test_an_admin_cannot_set_another_persons_password(superuser_client, namtanuyen):
    response = superuser_client.post(
        f"/admin/auth/user/{namtanuyen.pk}/password/",
        {"password1": "Mat-khau-cua-toi-9", "password2": "Mat-khau-cua-toi-9"},
        follow=True,
    )
    assert "Không ai đặt mật khẩu thay người khác" in messages_of(response)
    namtanuyen.refresh_from_db()
    assert namtanuyen.check_password("demo1234")


def test_a_reset_locks_the_old_password_and_only_the_holder_gets_the_link(superuser_client, namtanuyen):
    holder = Client()
    holder.force_login(namtanuyen)
    response = superuser_client.post(
        "/admin/auth/user/",
        {"action": "send_password_links", "_selected_action": [namtanuyen.pk]},
        follow=True,
    )
    assert "Đã vô hiệu mật khẩu của “namtanuyen”" in messages_of(response)
    namtanuyen.refresh_from_db()
    assert not namtanuyen.has_usable_password()
    assert holder.get("/").status_code == 302  # the open session ended with the password
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [namtanuyen.email]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    token = link.rstrip("/").split("/")[-1]
    assert token not in response.content.decode()  # the admin never sees it
    # The holder chooses the new password; the link then dies.
    anonymous = Client()
    form_url = anonymous.get(link, follow=True).redirect_chain[-1][0]
    anonymous.post(form_url, {"new_password1": "Trang-Thu-Hai-7319", "new_password2": "Trang-Thu-Hai-7319"})
    namtanuyen.refresh_from_db()
    assert namtanuyen.check_password("Trang-Thu-Hai-7319")
    assert "Liên kết không còn dùng được" in Client().get(link, follow=True).content.decode()


def test_an_account_without_e_mail_is_not_reset(superuser_client, django_user_model):
    user = django_user_model.objects.create_user("khong-email", password="Cu-mat-khau-1")
    response = superuser_client.post(
        "/admin/auth/user/", {"action": "send_password_links", "_selected_action": [user.pk]}, follow=True
    )
    assert "chưa có địa chỉ e-mail" in messages_of(response)
    user.refresh_from_db()
    assert user.check_password("Cu-mat-khau-1")


def test_a_new_account_has_no_password_until_its_holder_chooses_one(superuser_client):
    superuser_client.post(
        "/admin/auth/user/add/",
        {"username": "canbo-ntu", "first_name": "Cán bộ", "email": "canbo@example.vn"},
    )
    user = User.objects.get(username="canbo-ntu")
    assert not user.has_usable_password()
    assert mail.outbox[0].to == ["canbo@example.vn"]
    assert "/accounts/reset/" in mail.outbox[0].body


def test_an_account_manager_cannot_redirect_someone_elses_link_nor_raise_rights(client, namtanuyen):
    from django.contrib.auth.models import Permission

    manager = User.objects.create_user("quanly", is_staff=True)
    manager.user_permissions.set(Permission.objects.filter(codename__in=["view_user", "change_user"]))
    client.force_login(manager)
    page = client.get(f"/admin/auth/user/{namtanuyen.pk}/change/")
    fields = page.context["adminform"].form.fields
    assert "email" not in fields and "is_superuser" not in fields and "groups" not in fields
    own = client.get(f"/admin/auth/user/{manager.pk}/change/").context["adminform"].form.fields
    assert "email" in own and "is_superuser" not in own


def test_a_target_edited_in_the_admin_owes_its_term_a_rebuild(superuser_client):
    from targets.models import RollupChange, Target
    from targets.rollup import settle_pending

    target = Target.objects.get(code="CT06")
    url = f"/admin/targets/target/{target.pk}/change/"
    form = superuser_client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[form.add_prefix(name)] = "" if value is None else value
    data["title"] = target.title + " (sửa)"
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    owed = RollupChange.objects.filter(cause=RollupChange.Cause.TREE, settled_at__isnull=True)
    assert owed.filter(congress=target.resolution.congress).count() == 1
    settle_pending()
    assert not owed.exists()
