from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.forms import LoginForm
from config.views import PasswordChange, healthz

admin.site.site_header = _("Quản trị – Theo dõi thực hiện Nghị quyết")
admin.site.site_title = _("Quản trị")

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The one-time link an administrator sends (units.accounts): the holder chooses the password.
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("accounts/password/", PasswordChange.as_view(), name="password_change"),
    path("accounts/manage/", include("units.account_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("units/", include("units.urls")),
    path("", include("api.urls")),
    path("", include("targets.urls")),
    path("", include("resolutions.urls")),
]

handler500 = "config.views.server_error"
