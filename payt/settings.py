"""Django settings, read from the environment (see README for the variables)."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from payt.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("PAYT_TEST", False)
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-never-use-in-production"

SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY if (DEBUG or TESTING) else None)
if SECRET_KEY == DEVELOPMENT_SECRET_KEY and not (DEBUG or TESTING):
    raise ImproperlyConfigured("SECRET_KEY is the development key; set a random SECRET_KEY.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if (DEBUG or TESTING) else [])
PORT = env_int("PORT", 8000)
BASE_URL = env_str("BASE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [BASE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "payt",
    "debtors",
    "invoices",
    "dunning",
    "portal",
    "payments",
    "dashboard",
    "forecasting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "payt.middleware.TenantMiddleware",
]

ROOT_URLCONF = "payt.urls"
WSGI_APPLICATION = "payt.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "payt.context_processors.tenancy",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "postgresql://payt_app@127.0.0.1:5432/payt")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL; no other database is supported.")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0" if (DEBUG or TESTING) else None)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "payt-test" if TESTING else "payt",
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"] if TESTING else
    ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English")), ("fr", _("French")), ("de", _("German"))]
# The dashboard speaks only these two; debtor-facing pages use all of LANGUAGES.
DASHBOARD_LANGUAGES = ["nl", "en"]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["payt.formats"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = BASE_DIR / ".data" / "media"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["payt.api_auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["payt.api_auth.HasOrganizationApiKey"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "payt.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Payt AR API",
    "VERSION": "1.0.0",
    # The schema is built outside any tenant context, where the default
    # manager (`objects`) raises; the filter docs need only an empty queryset.
    "DEFAULT_QUERY_MANAGER": "objects_unscoped",
    # Debtors and invoices both have a field "kind" with different choices.
    "ENUM_NAME_OVERRIDES": {
        "DebtorKindEnum": "debtors.models.DebtorKind",
        "DocumentKindEnum": "invoices.models.DocumentKind",
        "LegalDebtorKindEnum": "dunning.calculation.LegalDebtorKind",
    },
}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "dunning.tasks.*": {"queue": "dunning"},
    "dunning.tasks.send_message": {"queue": "mail"},
    "payments.tasks.*": {"queue": "webhooks"},
    "payments.plan_tasks.*": {"queue": "dunning"},
    "payments.plan_tasks.send_plan_notice": {"queue": "mail"},
    "portal.tasks.*": {"queue": "mail"},
    "forecasting.tasks.*": {"queue": "forecasting"},
}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "dunning-daily-run": {
        "task": "dunning.tasks.run_dunning_for_all_organizations",
        # Hourly: each organisation runs once its local morning has started,
        # and a repeated run creates nothing new.
        "schedule": 3600.0,
    },
    "dunning-requeue-stale-messages": {
        # Re-sends messages whose worker died after claiming them.
        "task": "dunning.tasks.requeue_stale_messages",
        "schedule": 300.0,
    },
    "payment-plans-daily-check": {
        # Hourly like the dunning run: reminders for missed instalments, broken plans.
        "task": "payments.plan_tasks.run_payment_plans_for_all_organizations",
        "schedule": 3600.0,
    },
    "portal-requeue-stale-emails": {
        # Sends portal e-mails whose task was lost or whose worker died.
        "task": "portal.tasks.requeue_stale_emails",
        "schedule": 300.0,
    },
    "forecasting-nightly-scoring": {
        # Hourly: each organisation is scored once per local day, from its local morning on.
        "task": "forecasting.tasks.score_all_organizations",
        "schedule": 3600.0,
    },
    "forecasting-monthly-training": {
        # Hourly: each organisation trains once per local month, from its local morning on.
        "task": "forecasting.tasks.train_all_organizations",
        "schedule": 3600.0,
    },
}
DUNNING_SEND_CLAIM_TIMEOUT_MINUTES = env_int("DUNNING_SEND_CLAIM_TIMEOUT_MINUTES", 15)
DUNNING_LOCAL_START_HOUR = env_int("DUNNING_LOCAL_START_HOUR", 7)
# Forecast scoring and training start at this local hour, before the dunning run reads risk alerts.
FORECAST_LOCAL_START_HOUR = env_int("FORECAST_LOCAL_START_HOUR", 5)
# A forecast run still marked running after this many minutes counts as lost (its worker
# died or hung), and the next trigger or redelivered task takes it over. The benchmark in
# docs/benchmarks.md trained on 1,000,000 paid invoices in about 21 minutes; 120 leaves a margin.
FORECAST_RUN_LEASE_MINUTES = env_int("FORECAST_RUN_LEASE_MINUTES", 120)
if FORECAST_RUN_LEASE_MINUTES < 1:
    raise ImproperlyConfigured(
        f"FORECAST_RUN_LEASE_MINUTES={FORECAST_RUN_LEASE_MINUTES} is too small; set the minutes, 1 or more, "
        "longer than the slowest training."
    )
# Dotted path of the SMS gateway class (see dunning.sms.SmsProvider). Development and
# tests record texts in a local file; elsewhere an SMS step fails until a gateway is named.
SMS_PROVIDER = env_str("SMS_PROVIDER", "dunning.sms.LocalSmsProvider" if (DEBUG or TESTING) else "")
SMS_LOCAL_OUTBOX = Path(env_str("SMS_LOCAL_OUTBOX", str(BASE_DIR / ".data" / "sms" / "outbox.jsonl")))
# Shared secret of POST /webhooks/email-bounce (header X-Webhook-Secret); empty turns the endpoint off.
EMAIL_BOUNCE_WEBHOOK_SECRET = env_str("EMAIL_BOUNCE_WEBHOOK_SECRET", "")

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = BASE_DIR / ".data" / "mail"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "reminders@localhost")

MOLLIE_API_KEY = env_str("MOLLIE_API_KEY", "test_localdevelopmentkey000000000000" if (DEBUG or TESTING) else None)
MOLLIE_API_ENDPOINT = env_str("MOLLIE_API_ENDPOINT", "http://127.0.0.1:8765" if (DEBUG or TESTING) else "https://api.mollie.com")
PORTAL_TOKEN_SECRET = env_str("PORTAL_TOKEN_SECRET", SECRET_KEY)
# Reverse proxies in front of the app that append the client address to X-Forwarded-For.
# The portal rate limit counts failures per client address. With 0 the header is ignored.
PAYT_TRUSTED_PROXY_COUNT = env_int("PAYT_TRUSTED_PROXY_COUNT", 0)
if PAYT_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(
        f"PAYT_TRUSTED_PROXY_COUNT={PAYT_TRUSTED_PROXY_COUNT} is negative; set the number of proxies, 0 or more."
    )

# Secure cookies by default outside development; set 0 only behind plain HTTP on a private network.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not (DEBUG or TESTING))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
