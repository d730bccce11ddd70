"""Lehuo settings, read from the environment (healthchecks style).

Every secret may also come from a file named by ``NAME_FILE`` (Docker / systemd
credentials). Defaults are the secure ones; ``make run`` sets ``DEBUG=1`` and
development keys explicitly.
"""

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LEHUO_VAR_DIR", BASE_DIR / "var"))


def envraw(name: str, default: str | None = None) -> str | None:
    if f"{name}_FILE" in os.environ:
        return Path(os.environ[f"{name}_FILE"]).read_text().strip()
    return os.environ.get(name, default)


def envbool(name: str, default: str) -> bool:
    return (envraw(name, default) or "").lower() in ("1", "yes", "true", "on")


def envint(name: str, default: str) -> int:
    return int(envraw(name, default) or default)


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (envraw(name, default) or "").split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """Parse ``sqlite:///path`` or ``postgres://user:pass@host:port/name``."""
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        name = unquote(parts.path[1:]) if parts.path.startswith("/") else parts.path
        return sqlite_database(name or str(VAR_DIR / "lehuo.sqlite3"))
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        db = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "lehuo",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": int(options.pop("conn_max_age", "60")),
            # Django's default: a connection broken by a database restart fails one request
            # (503 + Retry-After, then Django replaces it) instead of every request paying a
            # round trip to check first. ?conn_health_checks=1 turns the check on.
            "CONN_HEALTH_CHECKS": options.pop("conn_health_checks", "0").lower() in ("1", "true", "yes", "on"),
            "OPTIONS": options,
        }
        # Server-side binding lets psycopg prepare a statement the fifth time a connection
        # runs it: PostgreSQL then skips planning, which is most of the cost of the short
        # queries of a page or an enrolment. Behind PgBouncer in transaction mode older than
        # 1.21, set ?prepare_threshold=off (docs/deploy.md).
        options["server_side_binding"] = options.get("server_side_binding", "1").lower() in ("1", "true", "yes", "on")
        threshold = options.pop("prepare_threshold", "5")
        options["prepare_threshold"] = None if threshold.lower() in ("off", "none", "") else int(threshold)
        # A row lock not had in this time fails the statement ("busy, try again", HTTP 503)
        # instead of queueing requests behind it (the day-care rush, docs/daycare.md).
        options.setdefault("options", f"-c lock_timeout={envint('LEHUO_DB_LOCK_TIMEOUT_MS', '5000')}")
        if "test_name" in options:
            db["TEST"] = {"NAME": options.pop("test_name")}
        return db
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parts.scheme!r} is not supported")


def sqlite_database(name: str) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue
            # instead of failing with "database is locked" half-way through.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
            ),
        },
    }


DEBUG = envbool("DEBUG", "0")
SECRET_KEY = envraw("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (or SECRET_KEY_FILE).")
    SECRET_KEY = "lehuo-development-only-not-secret"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

# Keys for encrypted personal fields: comma-separated Fernet keys, newest first.
# Rotation: put the new key first, run `python -m lehuo rotate_keys`, then drop the old one.
LEHUO_FIELD_KEYS = envlist("LEHUO_FIELD_KEYS")
# Key for the keyed hash (HMAC) used to find duplicates of ID numbers and phones.
LEHUO_HASH_KEY = envraw("LEHUO_HASH_KEY") or ""
if not LEHUO_FIELD_KEYS or not LEHUO_HASH_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("LEHUO_FIELD_KEYS and LEHUO_HASH_KEY must be set when DEBUG is off.")
    # Development only: fixed, public keys. Never use these for real data.
    LEHUO_FIELD_KEYS = LEHUO_FIELD_KEYS or ["ZGV2LW9ubHkta2V5LWxlaHVvLWRldi1vbmx5LWtleSE="]
    LEHUO_HASH_KEY = LEHUO_HASH_KEY or "lehuo-dev-hash-key"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "django_otp",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.weixin",
    # Apps depend downwards only (docs/architecture.md): lib < platform < accounts < people <
    # the modules < web and api. "core" holds only the migrations made before the split.
    "lehuo.core",
    "lehuo.platform",
    "lehuo.accounts",
    "lehuo.people",
    "lehuo.training",
    "lehuo.donations",
    "lehuo.blood",
    "lehuo.daycare",
    "lehuo.visits",
    "lehuo.newsletter",
    "lehuo.web",
    "lehuo.api",
]

MIDDLEWARE = [
    # First: the request id every later log line carries, then the per-view metrics.
    "lehuo.platform.requestid.RequestIdMiddleware",
    "lehuo.platform.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lehuo.platform.middleware.SecurityHeadersMiddleware",
    "lehuo.platform.middleware.InputGuardMiddleware",
    "lehuo.platform.middleware.DatabaseUnavailableMiddleware",
    "lehuo.platform.idempotency.RequestFingerprintMiddleware",
    "axes.middleware.AxesMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "lehuo.accounts.otp_middleware.OtpRequiredMiddleware",
    "lehuo.platform.throttle.ApiThrottleMiddleware",
    "lehuo.platform.reports.ReportsMiddleware",
]
# Town admins and the roles that may reveal full ID numbers and phones must sign in with a
# second factor (TOTP, django-otp): on by default except in development (docs/security.md).
# Anyone with a device always verifies.
LEHUO_REQUIRE_SECOND_FACTOR = envbool("LEHUO_REQUIRE_SECOND_FACTOR", "0" if DEBUG else "1")
OTP_TOTP_THROTTLE_FACTOR = 1  # a wrong code waits 1, 2, 4, 8... seconds before the next try

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Residents: mobile number and code, or mobile number and (optional) password.
    "allauth.account.auth_backends.AuthenticationBackend",
]

ROOT_URLCONF = "lehuo.urls"
WSGI_APPLICATION = "lehuo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "lehuo" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "lehuo.accounts.context_processors.lehuo",
                "lehuo.platform.reports.context",
            ],
        },
    },
]

DATABASE_URL = envraw("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {"default": sqlite_database(str(VAR_DIR / "lehuo.sqlite3"))}
REPORTS_DATABASE_URL = envraw("REPORTS_DATABASE_URL")
if REPORTS_DATABASE_URL:
    # A streaming replica for reports only (lehuo/platform/reports.py): the stats pages of
    # LEHUO_REPORT_VIEWS read from it while it is fit; capacity and every write use the primary.
    DATABASES["reports"] = database_from_url(REPORTS_DATABASE_URL)
    DATABASES["reports"]["OPTIONS"].setdefault("connect_timeout", envint("LEHUO_REPLICA_CONNECT_TIMEOUT", "2"))
DATABASE_ROUTERS = ["lehuo.platform.reports.ReportsRouter"]
LEHUO_REPORT_VIEWS = set(envlist("LEHUO_REPORT_VIEWS", "newsletter:dashboard,newsletter:dashboard_pdf,daycare:stats,"
                                                       "training:stats,blood:report,blood:report_pdf"))
# A replica further behind than this is not used (the page is computed on the primary, with a note).
LEHUO_REPLICA_MAX_LAG_SECONDS = envint("LEHUO_REPLICA_MAX_LAG_SECONDS", "30")
LEHUO_REPLICA_CHECK_SECONDS = envint("LEHUO_REPLICA_CHECK_SECONDS", "5")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: cache, sessions and API throttling counters shared by every app server (any server
# may answer any request). Without it each process has its own memory cache: fine for one
# server process, and then nothing that must be seen by another process is cached (API tokens).
REDIS_URL = envraw("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": envraw("LEHUO_CACHE_PREFIX", "lehuo"),
                          "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5}}}
    # Sessions in Redis and in the database: a Redis restart signs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# API throttling (lehuo/platform/throttle.py): count/seconds per token and per address.
LEHUO_API_THROTTLE = envbool("LEHUO_API_THROTTLE", "1")
LEHUO_API_RATE_PER_TOKEN = envraw("LEHUO_API_RATE_PER_TOKEN", "300/60") or ""
LEHUO_API_RATE_PER_ADDRESS = envraw("LEHUO_API_RATE_PER_ADDRESS", "1200/60") or ""
# Proxies whose X-Real-IP names the caller (nginx on the same machine).
LEHUO_TRUSTED_PROXIES = set(envlist("LEHUO_TRUSTED_PROXIES", "127.0.0.1,::1"))

# Prometheus metrics (lehuo/platform/metrics.py) at /metrics, for these addresses/networks only.
LEHUO_METRICS_ALLOWED = envlist("LEHUO_METRICS_ALLOWED", "127.0.0.1,::1")
LEHUO_METRICS_RUSH_VIEWS = set(envlist("LEHUO_METRICS_RUSH_VIEWS", "api-v1:list_enrolments"))

# Optional error reports to Sentry (or a compatible server): off unless SENTRY_DSN is set.
SENTRY_DSN = envraw("SENTRY_DSN")
if SENTRY_DSN:
    try:
        import sentry_sdk
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError as exc:  # pragma: no cover
        raise ImproperlyConfigured("SENTRY_DSN is set but sentry-sdk is not installed (pip install 'lehuo[sentry]')") from exc
    sentry_sdk.init(dsn=SENTRY_DSN, integrations=[DjangoIntegration()], send_default_pii=False,
                    environment=envraw("SENTRY_ENVIRONMENT", "production"),
                    traces_sample_rate=float(envraw("SENTRY_TRACES_SAMPLE_RATE", "0") or 0))

TASKS = {
    "default": {
        "BACKEND": envraw("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]  # not-ui: each language in its own name
LOCALE_PATHS = [BASE_DIR / "lehuo" / "locale"]
TIME_ZONE = envraw("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "lehuo" / "static"]
NODE_MODULES = BASE_DIR / "node_modules"
if (NODE_MODULES / "htmx.org" / "dist").exists():
    STATICFILES_DIRS.append(("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "lehuo.platform.staticstorage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(envraw("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# API tokens: how long a token's user is served from the cache before the database is asked
# again (0: every request). Used only with a shared cache (REDIS_URL): a revocation then drops
# the entry for every process at once; with a per-process cache tokens are never cached.
LEHUO_TOKEN_CACHE_SECONDS = envint("LEHUO_TOKEN_CACHE_SECONDS", "30")
# The town dashboard's figures (aggregates over every record of the town: about a second on a
# city-sized town) are kept this long per town and language; the page says when they were
# computed and has a "refresh" link. 0: computed on every view. Live figures in the newsletter
# and the modules' own stats pages are never cached.
LEHUO_DASHBOARD_CACHE_SECONDS = envint("LEHUO_DASHBOARD_CACHE_SECONDS", "60")
LEHUO_MAX_UPLOAD_BYTES = envint("LEHUO_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:index"  # staff to the workbench, residents to their home
LOGOUT_REDIRECT_URL = "login"

# Security: secure by default, relaxed only for `make run` (DEBUG=1 on 127.0.0.1).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "0" if DEBUG else "1")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_PROXY", "0") else None
X_FRAME_OPTIONS = "DENY"

AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = envbool("AXES_ENABLED", "1")

# Logs: one JSON object per line (LOG_FORMAT=json, the default when DEBUG is off) with the
# request id (lehuo/platform/requestid.py), ID numbers and phones masked.
LOG_FORMAT = envraw("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"pii": {"()": "lehuo.platform.logging.RedactPersonalData"},
                "request_id": {"()": "lehuo.platform.requestid.RequestIdFilter"}},
    "formatters": {"json": {"()": "lehuo.platform.requestid.JsonFormatter"},
                   "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id", "pii"],
                             "formatter": "json" if LOG_FORMAT == "json" else "text"}},
    "root": {"handlers": ["console"], "level": envraw("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"},
                # One line per request: on in production logs, off in the text logs of `make run`.
                "lehuo.request": {"level": envraw("LEHUO_REQUEST_LOG_LEVEL", "INFO" if LOG_FORMAT == "json" else "WARNING")}},
}

# Notifications (day-care waiting list, ...): console by default; an SMS gateway plugs in here.
LEHUO_NOTIFICATION_BACKEND = envraw("LEHUO_NOTIFICATION_BACKEND", "lehuo.platform.notify.ConsoleBackend")

# Residents' accounts: django-allauth's phone support (docs/residents.md, accounts/phone.py).
# Staff keep /accounts/login/ (user name, password, second factor); residents sign up and in
# with a mainland mobile number and a 6-digit SMS code valid 5 minutes; a password is optional.
ACCOUNT_ADAPTER = "lehuo.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"phone"}
ACCOUNT_SIGNUP_FIELDS = ["phone*"]
ACCOUNT_USER_MODEL_EMAIL_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 5 * 60
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3  # wrong codes before that code is void
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = False  # a new code is asked for again (and counted)
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 5 * 60
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = 3
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = False
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_REDIRECT_URL = "web:index"
ACCOUNT_FORMS = {
    "request_login_code": "lehuo.accounts.phone_forms.PhoneRequestCodeForm",
    "confirm_login_code": "lehuo.accounts.phone_forms.HashedConfirmLoginCodeForm",
    "signup": "lehuo.accounts.phone_forms.PhoneSignupForm",
    "verify_phone": "lehuo.accounts.phone_forms.HashedVerifyPhoneForm",
}
# Lehuo's own limits are at least as strict as the SMS providers' (Aliyun: per number 1 a
# minute, 5 an hour, 10 a day), so a provider never refuses in the middle of a rush; each has
# its own message (accounts/phone.py). Counted by allauth's rate limiter in the cache.
ACCOUNT_RATE_LIMITS = {
    "lehuo_sms_interval": "1/60s/key",
    "lehuo_sms_hour": "5/h/key",
    "lehuo_sms_day": "10/d/key",
    "lehuo_sms_ip": envraw("LEHUO_SMS_PER_ADDRESS", "30/h/ip"),
    "lehuo_code_failures": "5/h/key",  # wrong codes per number before it is locked for the hour
    "request_login_code": "60/m/ip",  # the limits above decide
    "verify_phone": "60/m/ip",
    "login_failed": "10/m/ip,5/300s/key",
}
# A first WeChat sign-in asks for the mobile number (verified by SMS code), as every resident account has one.
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_FORMS = {"signup": "lehuo.accounts.phone_forms.SocialPhoneSignupForm"}
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_QUERY_EMAIL = False
# WeChat sign-in (微信扫码登录, allauth's Weixin provider): off unless an app is configured.
LEHUO_WECHAT_APP_ID = envraw("LEHUO_WECHAT_APP_ID", "") or ""
LEHUO_WECHAT_ENABLED = bool(LEHUO_WECHAT_APP_ID)
LEHUO_WECHAT_API_BASE = envraw("LEHUO_WECHAT_API_BASE", "https://api.weixin.qq.com") or "https://api.weixin.qq.com"
SOCIALACCOUNT_PROVIDERS: dict[str, Any] = {
    "weixin": {
        "APPS": [{"client_id": LEHUO_WECHAT_APP_ID, "secret": envraw("LEHUO_WECHAT_SECRET", "") or ""}]
        if LEHUO_WECHAT_ENABLED else [],
        "SCOPE": ["snsapi_login"],
        # Tests point these at an OAuth server on 127.0.0.1.
        **({"AUTHORIZE_URL": envraw("LEHUO_WECHAT_AUTHORIZE_URL")} if envraw("LEHUO_WECHAT_AUTHORIZE_URL") else {}),
    },
}

# SMS (lehuo/platform/sms): the console backend prints the text in the server log. Real
# providers: LEHUO_SMS_BACKEND=aliyun or tencent, with the provider's keys, the approved
# signature and template ids (docs/residents.md).
SMS_BACKENDS = {
    "console": "lehuo.platform.sms.console.ConsoleSmsBackend",
    "aliyun": "lehuo.platform.sms.aliyun.AliyunSmsBackend",
    "tencent": "lehuo.platform.sms.tencent.TencentSmsBackend",
}
LEHUO_SMS: dict[str, Any] = {
    "BACKEND": SMS_BACKENDS.get(envraw("LEHUO_SMS_BACKEND", "console") or "console",
                                envraw("LEHUO_SMS_BACKEND", "") or SMS_BACKENDS["console"]),
    "SIGN_NAME": envraw("LEHUO_SMS_SIGN_NAME", "") or "",
    "TEMPLATES": {k: v for k, v in {
        "code": envraw("LEHUO_SMS_TEMPLATE_CODE", ""),
        "no_account": envraw("LEHUO_SMS_TEMPLATE_NO_ACCOUNT", ""),
        "account_exists": envraw("LEHUO_SMS_TEMPLATE_ACCOUNT_EXISTS", ""),
    }.items() if v},
    # Aliyun
    "ACCESS_KEY_ID": envraw("LEHUO_SMS_ACCESS_KEY_ID", "") or "",
    "ACCESS_KEY_SECRET": envraw("LEHUO_SMS_ACCESS_KEY_SECRET", "") or "",
    # Tencent Cloud
    "SECRET_ID": envraw("LEHUO_SMS_SECRET_ID", "") or "",
    "SECRET_KEY": envraw("LEHUO_SMS_SECRET_KEY", "") or "",
    "SDK_APP_ID": envraw("LEHUO_SMS_SDK_APP_ID", "") or "",
    "REGION": envraw("LEHUO_SMS_REGION", "") or "",
    "ENDPOINT": envraw("LEHUO_SMS_ENDPOINT", "") or "",
}
if LEHUO_SMS["BACKEND"].endswith("ConsoleSmsBackend"):
    LEHUO_SMS["TEMPLATES"].setdefault("code", "code")

# Local rules that are settings, not constants (docs/domain.md).
LEHUO_RULES: dict[str, Any] = {
    "blood": {
        "min_age": 18,
        "max_age_first_time": 55,
        "max_age_repeat": 60,
        "min_weight_kg_male": 50,
        "min_weight_kg_female": 45,
        "systolic_min": 90,
        "systolic_max_exclusive": 140,
        "diastolic_min": 60,
        "diastolic_max_exclusive": 90,
        "pulse_pressure_min": 30,
        "pulse_min": 60,
        "pulse_max": 100,
        "pulse_min_athlete": 50,
        "temperature_max_c": "37.3",
        "haemoglobin_min_male": 120,
        "haemoglobin_min_female": 115,
        "whole_blood_interval_months": 6,
        "platelet_interval_weeks": 2,
        "platelet_max_per_year": 24,
        "platelet_to_whole_weeks": 4,
        "whole_to_platelet_months": 3,
        "volumes_ml": [200, 300, 400],
        "ml_per_unit": 200,
        "award_bronze": 20,
        "award_silver": 30,
        "award_gold": 40,
        "stem_cell_min_age": 18,
        "stem_cell_max_age": 45,
    },
    "daycare": {"min_age": 6, "max_age": 12, "adults_per_children": 5, "default_capacity": 35},
    "training": {"completion_attendance_rate": "0.80", "max_range_days": 731},
    "donations": {"max_amount": "10000000.00"},
    "minor_sensitive_age": 14,
}

LEHUO_TOWN_NAME = envraw("LEHUO_TOWN_NAME", "新泾镇")  # not-ui: data (the town's name)
LEHUO_PDF_FONT = envraw("LEHUO_PDF_FONT", "Noto Sans CJK SC")
