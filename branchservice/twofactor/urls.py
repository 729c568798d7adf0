from django.urls import path

from . import views

app_name = "twofactor"

urlpatterns = [
    path("", views.manage, name="manage"),
    path("verify/", views.verify, name="verify"),
    path("enrol/", views.enrol, name="enrol"),
]
