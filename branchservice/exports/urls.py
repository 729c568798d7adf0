from django.urls import path

from . import views

app_name = "exports"

# Under /reports/ beside the report centre, which lists a user's export jobs.
urlpatterns = [
    path("export/<slug:kind>/", views.export, name="export"),
    path("exports/<int:pk>/status/", views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", views.download_export, name="download_export"),
]
