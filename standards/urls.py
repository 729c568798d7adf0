from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views

app_name = "standards"

urlpatterns = [
    path("", views.home, name="home"),
    # Lobby managers have no admin access, so the checklist pages have their own login.
    path(
        "login/",
        auth_views.LoginView.as_view(
            # The home page sends each person on: checklists, or the intake page.
            template_name="standards/login.html",
            next_page=reverse_lazy("home"),
        ),
        name="login",
    ),
    path(
        "logout/",
        auth_views.LogoutView.as_view(next_page=reverse_lazy("standards:login")),
        name="logout",
    ),
    path("outlets/<int:branch_id>/", views.outlet, name="outlet"),
    path("outlets/<int:branch_id>/history/", views.history, name="history"),
    path("outlets/<int:branch_id>/start/<int:template_id>/", views.start, name="start"),
    path("checklists/<int:pk>/", views.checklist, name="checklist"),
    path("checklists/<int:pk>/answers/", views.answer, name="answer"),
    path("stay-signed-in/", views.stay_signed_in, name="stay_signed_in"),
    path(
        "checklists/<int:pk>/photos/<int:item_id>/",
        views.evidence,
        {"kind": "photo"},
        name="photo",
    ),
    path(
        "checklists/<int:pk>/audio/<int:item_id>/",
        views.evidence,
        {"kind": "audio"},
        name="audio",
    ),
]
