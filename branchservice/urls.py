from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from .health import healthz
from .views import home

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("account/two-factor/", include("branchservice.twofactor.urls")),
    path("standards/", include("standards.urls", namespace="standards")),
    path("intake/", include("complaints.urls", namespace="complaints")),
    path("reminders/", include("branchservice.notifications.urls")),
    path("reports/", include("reporting.urls")),
    path("reports/", include("branchservice.exports.urls")),
    # The customer's side: public pages, no login.
    path("", include("opinionbook.urls", namespace="opinionbook")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.STATIC_URL, document_root=settings.STATIC_ROOT)
