from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from config.admin import ReadOnlyAdmin
from config.refusals import Refused
from targets import ledger
from units.accounts import send_password_link
from units.models import Membership, Placement, ReorgEvent, Succession, Unit

User = get_user_model()


# --- Roles ----------------------------------------------------------------------------


class MembershipForm(forms.ModelForm):
    """A role given in the admin. Nobody gives or changes a role of their own (another
    administrator does it); the rule that the office holds no unit role is Membership.clean."""

    acting_user = None  # set per request by the admin below

    def clean(self):
        data = super().clean()
        acting = self.acting_user
        if acting is None or not (self.instance.pk is None or self.has_changed()):
            return data
        user = data.get("user")
        if (user is not None and user.pk == acting.pk) or self.instance.user_id == acting.pk:
            raise ValidationError(
                _(
                    "Không ai tự cấp hoặc tự sửa quyền của chính mình: đề nghị một người quản trị khác làm việc này."
                )
            )
        return data


def _acting(form_class, request):
    return type(form_class.__name__, (form_class,), {"acting_user": request.user})


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipForm
    extra = 0
    autocomplete_fields = ["user"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = _acting(formset.form, request)
        return formset


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name", "unit__code"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        return _acting(super().get_form(request, obj, change, **kwargs), request)


# --- Units: ended, never deleted once they have a history ----------------------------------


@admin.action(
    permissions=["delete"], description=gettext_lazy("Xóa các đơn vị đã chọn (chỉ đơn vị tạo nhầm)")
)
def delete_units_created_by_mistake(modeladmin, request, queryset):
    """Django's bulk delete, for units with no unit below them and nothing recorded about them."""
    refusals = [refusal for unit in queryset if (refusal := unit.deletion_refusal())]
    if refusals:
        for refusal in refusals:
            messages.error(request, refusal)
        return None  # back to the list, nothing deleted
    return delete_selected(modeladmin, request, queryset)


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    form = movenodeform_factory(Unit)
    list_display = ["name", "code", "kind", "sector", "members", "active_from", "active_to"]
    list_filter = ["kind", "sector", "depth"]
    search_fields = ["name", "short_name", "code"]
    inlines = [MembershipInline]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (
                delete_units_created_by_mistake,
                "delete_selected",
                delete_units_created_by_mistake.short_description,
            )
        return actions

    def save_model(self, request, obj, form, change):
        # Its members, dates or place may count elsewhere now: the terms it adds up under are rebuilt
        # (targets.ledger), in the same transaction as the edit.
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            obj.refresh_from_db()
            ledger.record_unit_edit(obj, user=request.user)

    def delete_view(self, request, object_id, extra_context=None):
        # Django's page would list one unit ("Đơn vị: 1") while the tree deletes the whole
        # subtree, or fail on a report below: refuse, saying to end the unit instead.
        unit = self.get_object(request, object_id)
        refusal = unit.deletion_refusal() if unit is not None else None
        if refusal:
            messages.error(request, refusal)
            return redirect(reverse("admin:units_unit_change", args=[unit.pk]))
        return super().delete_view(request, object_id, extra_context)


# --- Accounts: nobody sets another person's password (units.accounts) ----------------------


class AccountCreationForm(forms.ModelForm):
    """A new account has no password: its holder chooses one from the link sent to this address."""

    class Meta:
        model = User
        fields = ["username", "first_name", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = _(
            "Liên kết để người dùng tự chọn mật khẩu được gửi tới địa chỉ này."
        )

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


class AccountChangeForm(UserChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "password" in self.fields:
            self.fields["password"].help_text = _(
                "Không ai đặt mật khẩu thay người khác: chọn tài khoản trong danh sách và dùng thao tác "
                "“Gửi liên kết đặt lại mật khẩu”; người dùng tự chọn mật khẩu mới qua e-mail của họ."
            )


@admin.action(
    permissions=["change"],
    description=gettext_lazy("Gửi liên kết đặt lại mật khẩu (mật khẩu cũ bị vô hiệu ngay)"),
)
def send_password_links(modeladmin, request, queryset):
    for user in queryset:
        try:
            send_password_link(user, request=request)
        except Refused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Đã vô hiệu mật khẩu của “%(user)s” và gửi liên kết đặt mật khẩu mới tới %(email)s.")
                % {"user": user.get_username(), "email": user.email},
            )


class AccountAdmin(UserAdmin):
    form = AccountChangeForm
    add_form = AccountCreationForm
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "first_name", "email")}),)
    actions = [send_password_links]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # No one raises their own or anyone's admin rights, nor redirects another
            # person's password link (their e-mail address) to themselves.
            readonly += ["is_superuser", "is_staff", "groups", "user_permissions"]
            if obj is not None and obj.pk != request.user.pk:
                readonly.append("email")
        return readonly

    def user_change_password(self, request, id, form_url=""):
        if str(id) != str(request.user.pk):
            messages.error(
                request,
                _(
                    "Không ai đặt mật khẩu thay người khác. Dùng thao tác “Gửi liên kết đặt lại mật khẩu”: "
                    "mật khẩu cũ bị vô hiệu ngay và người dùng tự chọn mật khẩu mới qua e-mail của họ."
                ),
            )
            return redirect(reverse("admin:auth_user_change", args=[id]))
        return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            return
        try:
            send_password_link(obj, request=request, invitation=True)
        except Refused as exc:
            messages.warning(request, exc.message)
        else:
            messages.info(
                request,
                _("Đã gửi tới %(email)s liên kết để “%(user)s” tự chọn mật khẩu.")
                % {"email": obj.email, "user": obj.get_username()},
            )


admin.site.unregister(User)
admin.site.register(User, AccountAdmin)


@admin.register(ReorgEvent)
class ReorgEventAdmin(ReadOnlyAdmin):
    """Recorded through the reorganisation screens (one write path), read here."""

    list_display = ["effective_on", "kind", "decision_number", "issuing_body", "recorded_by"]
    list_filter = ["kind"]
    search_fields = ["decision_number", "issuing_body", "note"]
    date_hierarchy = "effective_on"


@admin.register(Placement)
class PlacementAdmin(ReadOnlyAdmin):
    """Where each unit sat and when; written only by reorganisation events."""

    list_display = ["unit", "parent", "valid_from", "valid_to", "event"]
    search_fields = ["unit__code", "unit__name", "parent__code"]
    list_select_related = ["unit", "parent", "event"]


@admin.register(Succession)
class SuccessionAdmin(ReadOnlyAdmin):
    list_display = ["predecessor", "successor", "event"]
    search_fields = ["predecessor__code", "successor__code"]
    list_select_related = ["predecessor", "successor", "event"]
