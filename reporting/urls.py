from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.centre, name="centre"),
    path("build/", views.build, name="build"),
    path("files/<int:pk>/download/", views.download_report, name="download_report"),
    path("export/<slug:kind>/", views.export, name="export"),
    path("exports/<int:pk>/status/", views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", views.download_export, name="download_export"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
