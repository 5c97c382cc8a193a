from django.urls import path

from units import views

app_name = "units"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("<slug:code>/", views.detail, name="detail"),
]
