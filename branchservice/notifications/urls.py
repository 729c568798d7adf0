from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.my_reminders, name="mine"),
    path("<int:pk>/", views.open_reminder, name="open"),
    path("read-all/", views.mark_all_read, name="read_all"),
]
