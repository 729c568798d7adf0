"""Settings for pytest. DATABASE_URL may point at PostgreSQL (CI runs the suite on both)."""

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, env

# pytest may be run without `make`, which is what creates var/.
(BASE_DIR / "var").mkdir(exist_ok=True)

# A file-backed SQLite test database (not :memory:) so that a real Celery worker started by
# an integration test can open the same database as the test.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
# Tests serve static files through the finders; an empty root keeps whitenoise quiet.
STATIC_ROOT = BASE_DIR / "var" / "test-static"
STATIC_ROOT.mkdir(exist_ok=True)
LANGUAGE_CODE = "zh-hans"

# Unit tests run tasks in-process; the integration tests (tests/integration) start a real
# worker against a real Redis and switch this off for themselves.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True

# Login protection is off in tests (client.login() has no request, which axes requires, and
# one test's failures must not lock another out); tests/branchservice/test_login_protection.py
# switches it on for itself with the `axes_enabled` fixture.
AXES_ENABLED = False
