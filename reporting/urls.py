from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.centre, name="centre"),
    path("build/", views.build, name="build"),
    path("files/<int:pk>/download/", views.download_report, name="download_report"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("branches/", views.league, name="league"),
    path("outlets/<int:pk>/", views.outlet, name="outlet"),
]
