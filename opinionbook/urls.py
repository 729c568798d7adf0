from django.urls import path

from . import views

app_name = "opinionbook"

urlpatterns = [
    # The address printed as the poster's QR code: short, and the outlet's code in it.
    path("o/<str:code>/", views.book, name="book"),
    path("lookup/", views.lookup, name="lookup"),
    path("lookup/code/", views.lookup_code, name="lookup_code"),
    # The one-time link the customer rates the reply with (its token, never stored in clear).
    path("s/<str:token>/", views.satisfaction, name="satisfaction"),
]
