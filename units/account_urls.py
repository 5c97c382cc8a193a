from django.urls import path

from units import accounts

app_name = "accounts"

urlpatterns = [
    path("", accounts.accounts, name="list"),
    path("unlock/", accounts.account_unlock, name="unlock"),
    path("<int:pk>/password-link/", accounts.account_password_link, name="password_link"),
]
