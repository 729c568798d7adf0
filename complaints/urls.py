from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    # The first responder's quick intake on the tablet (the checklist pages' shell and login).
    path("", views.intake, name="intake"),
    path("<int:pk>/", views.intake_done, name="intake_done"),
]
