from django.urls import path

from resolutions import views

app_name = "resolutions"

urlpatterns = [
    path("plans/", views.plan_registry, name="plans"),
    path("plans/<slug:code>/", views.plan_unit, name="plan_unit"),
    path("plans/<slug:code>/file/", views.plan_file, name="plan_file"),
    path("study/", views.study_overview, name="study"),
    path("study/<slug:code>/", views.study_unit, name="study_unit"),
]
