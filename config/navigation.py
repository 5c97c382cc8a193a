"""The top menu for each role (each role sees the pages it may open)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from units.access import Action, home_units, roles
from units.models import Membership

Role = Membership.Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


def menu_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    held = roles(user)
    office = Role.BLOC_OFFICE in held
    if office:
        items = [
            NavItem(pgettext_lazy("menu", "Duyệt báo cáo"), reverse("targets:reports")),
            NavItem(_("Tổng quan khối"), reverse("targets:dashboard")),
            NavItem(_("Đơn vị"), reverse("units:tree")),
            NavItem(_("Sắp xếp tổ chức"), reverse("targets:reorg_index")),
            NavItem(_("Nghị quyết & chỉ tiêu"), reverse("targets:resolution")),
            NavItem(_("Kế hoạch"), reverse("resolutions:plans")),
            NavItem(_("Học tập"), reverse("resolutions:study")),
            NavItem(_("Chỉ tiêu riêng"), reverse("targets:unit_targets_overview")),
            NavItem(_("Báo cáo tổng hợp"), reverse("targets:summary_index")),
            NavItem(_("Tài khoản"), reverse("accounts:list")),
        ]
    elif Role.STANDING_COMMITTEE in held:
        # The standing committee reads everything the office sees and changes nothing.
        items = [
            NavItem(_("Tổng quan khối"), reverse("targets:dashboard")),
            NavItem(_("Bản tóm tắt họp"), reverse("targets:brief")),
            NavItem(_("Đơn vị"), reverse("units:tree")),
            NavItem(_("Tình hình báo cáo"), reverse("targets:reports")),
            NavItem(_("Kế hoạch"), reverse("resolutions:plans")),
            NavItem(_("Học tập"), reverse("resolutions:study")),
            NavItem(_("Chỉ tiêu riêng"), reverse("targets:unit_targets_overview")),
            NavItem(_("Nghị quyết & chỉ tiêu"), reverse("targets:resolution")),
            NavItem(_("Báo cáo tổng hợp"), reverse("targets:summary_index")),
        ]
    else:
        items = [NavItem(_("Báo cáo quý"), reverse("targets:reports"))]
        for unit in home_units(user, Action.ENTER)[:1]:
            items += [
                NavItem(_("Lưu trữ báo cáo"), reverse("targets:report_archive", args=[unit.code])),
                NavItem(_("Tổng quan đơn vị"), reverse("targets:dashboard_unit", args=[unit.code])),
                NavItem(_("Chỉ tiêu riêng"), reverse("targets:unit_targets", args=[unit.code])),
                NavItem(_("Kế hoạch"), reverse("resolutions:plan_unit", args=[unit.code])),
                NavItem(_("Học tập nghị quyết"), reverse("resolutions:study_unit", args=[unit.code])),
                NavItem(_("Nghị quyết & chỉ tiêu"), reverse("targets:resolution")),
                NavItem(_("Báo cáo tổng hợp"), reverse("targets:summary_index")),
            ]
    if user.is_staff:
        items.append(NavItem(_("Quản trị"), reverse("admin:index")))
    return items
