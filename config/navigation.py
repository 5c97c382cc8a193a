"""The top menu for each role (UI.md, "Navigation by role")."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

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
    items: list[NavItem] = []
    if Role.BLOC_OFFICE in held or user.is_superuser:
        items.append(NavItem(_("Duyệt báo cáo"), reverse("targets:reports")))
    if held & {Role.BLOC_OFFICE, Role.STANDING_COMMITTEE} or user.is_superuser:
        items.append(NavItem(_("Tổng quan khối"), reverse("targets:dashboard")))
        items.append(NavItem(_("Đơn vị"), reverse("units:tree")))
        items.append(NavItem(_("Chỉ tiêu đơn vị"), reverse("targets:unit_targets_overview")))
    elif held & {Role.UNIT_SECRETARY, Role.UNIT_CLERK}:
        items.append(NavItem(_("Báo cáo quý"), reverse("targets:reports")))
        for unit in home_units(user, Action.ENTER)[:1]:
            items.append(NavItem(_("Tổng quan đơn vị"), reverse("targets:dashboard_unit", args=[unit.code])))
            items.append(NavItem(_("Chỉ tiêu riêng"), reverse("targets:unit_targets", args=[unit.code])))
    items.append(NavItem(_("Nghị quyết & chỉ tiêu"), reverse("targets:resolution")))
    if user.is_staff:
        items.append(NavItem(_("Quản trị"), reverse("admin:index")))
    return items
