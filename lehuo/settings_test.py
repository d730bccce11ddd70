"""Settings for the test suite: fixed test keys, fast hashing, tasks run inline."""

import os

os.environ.setdefault("SECRET_KEY", "lehuo-test-secret")
os.environ.setdefault("LEHUO_FIELD_KEYS", "dGVzdC1rZXktbGVodW8tdGVzdC1rZXktbGVodW8tdGU=")
os.environ.setdefault("LEHUO_HASH_KEY", "lehuo-test-hash-key")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
if os.environ.get("TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["TEST_DATABASE_URL"]

from .settings import *  # noqa: E402,F403
from .settings import STORAGES, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# pytest-xdist runs the suite in several processes: each has its own files (job progress, media),
# as it has its own test database.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER:
    VAR_DIR = VAR_DIR / f"test-{_WORKER}"
MEDIA_ROOT = VAR_DIR / "test-media"
AXES_ENABLED = os.environ.get("AXES_ENABLED", "0") == "1"
# The suite signs staff in without a second factor; tests of it switch it on.
LEHUO_REQUIRE_SECOND_FACTOR = False
OTP_TOTP_THROTTLE_FACTOR = 0
# Notifications kept in lehuo.platform.notify.outbox for the tests (the console backend keeps none).
LEHUO_NOTIFICATION_BACKEND = "lehuo.platform.notify.MemoryBackend"

# Close connections after each request: live-server and thread tests must not hold a
# PostgreSQL connection that blocks dropping the test database at teardown.
for _db in DATABASES.values():  # noqa: F405
    _db["CONN_MAX_AGE"] = 0
