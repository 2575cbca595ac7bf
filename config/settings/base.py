"""Settings shared by every environment. Everything that varies comes from the environment."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    environ.Env.read_env(str(BASE_DIR / ".env"))

# --- Core -------------------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

# The currency that values and costs are entered in, shown beside every amount.
CURRENCY = env("CURRENCY", default="EUR")

# --- Database ---------------------------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'lodestar.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# The statements every request runs are prepared on PostgreSQL (core.db: only its cursor prepares, Django's own
# never do); HOT_STATEMENTS_PREPARED=false behind a pooler that does not carry prepared statements.
if DATABASES["default"]["ENGINE"].endswith("postgresql") and env.bool("HOT_STATEMENTS_PREPARED", default=True):
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL and a busy timeout let the web process, the worker and beat share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

# --- Applications -----------------------------------------------------------------------------

INSTALLED_APPS = [
    # First, so that its createsuperuser and changepassword (through the audited account services) win over auth's.
    "core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for FORM_RENDERER = TemplatesSetting
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "django_celery_beat",
    "audit",
    "notifications",
    "portfolio",
    "lifecycle",
    "identity",
    "governance",
    "compliance",
    "sourcing",
    "monitoring",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.RequestIdMiddleware",
    "audit.middleware.DeniedAccessAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.AbsoluteSessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# Form widgets render through the project's templates, so templates/django/forms/ may refine Django's own
# (the blank choice of a select says "Choose…" instead of "---------").
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
                "notifications.context_processors.unread",
            ],
        },
    },
]

# --- Authentication and sessions ----------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    # Local passwords (with the lockout), refused to all but break-glass accounts when LODESTAR_LOCAL_LOGIN says so.
    "identity.backends.LocalPasswordBackend",
    # Single sign-on; does nothing until OIDC_RP_CLIENT_ID is set.
    "identity.backends.OIDCBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: the session expires 30 minutes after the last request (ASVS V3, RELIABILITY T07). Activity pushes
# the expiry on, but core.middleware writes the session again only once SESSION_REFRESH_SECONDS have passed since
# its last write, not on every request (an UPDATE and a commit per page): a session idle for 30 minutes minus at most
# that long has expired.
SESSION_ENGINE = "core.sessions"  # Django's database sessions, read in one plain statement
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Absolute lifetime of a session, whatever the activity; enforced by core.middleware.
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 60 * 60)
# API tokens expire too; a client asks for a new one with its password.
API_TOKEN_MAX_AGE = env.int("API_TOKEN_MAX_AGE", default=12 * 60 * 60)

# Account lockout after repeated failed sign-ins (RELIABILITY T08).
LOGIN_LOCKOUT_THRESHOLD = env.int("LOGIN_LOCKOUT_THRESHOLD", default=5)
LOGIN_LOCKOUT_WINDOW = env.int("LOGIN_LOCKOUT_WINDOW", default=15 * 60)
LOGIN_LOCKOUT_DURATION = env.int("LOGIN_LOCKOUT_DURATION", default=15 * 60)
# Failed re-authentications when signing lock sooner (RELIABILITY T21).
SIGN_REAUTH_LOCKOUT_THRESHOLD = env.int("SIGN_REAUTH_LOCKOUT_THRESHOLD", default=3)

# --- Single sign-on (OpenID Connect, mozilla-django-oidc): off until OIDC_RP_CLIENT_ID is set ----------------
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", default="")
# Either the discovery document (…/.well-known/openid-configuration) or each endpoint and the issuer.
OIDC_OP_DISCOVERY_URL = env("OIDC_OP_DISCOVERY_URL", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_ISSUER = env("OIDC_OP_ISSUER", default="")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", default="openid email profile groups")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
OIDC_AUTHENTICATION_CALLBACK_URL = "identity:sso_callback"
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"
LODESTAR_SSO_PROVIDER_NAME = env("LODESTAR_SSO_PROVIDER_NAME", default="your identity provider")
LODESTAR_SSO_GROUPS_CLAIM = env("LODESTAR_SSO_GROUPS_CLAIM", default="groups")
# "all": everyone may sign in with a local password; "break_glass": only accounts flagged break-glass (when SSO is on).
LODESTAR_LOCAL_LOGIN = env("LODESTAR_LOCAL_LOGIN", default="all")
# A signature by provider re-authentication counts only if the person signed in at the provider this recently.
LODESTAR_SSO_REAUTH_MAX_AGE = env.int("LODESTAR_SSO_REAUTH_MAX_AGE", default=5 * 60)

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None

# --- Static files -------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Security headers -----------------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # plotly.js sets inline styles on the SVG it draws.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# A signature's form sends the signer on to the provider to re-authenticate: the browser must allow that redirect.
_SSO_ORIGIN = "/".join((OIDC_OP_AUTHORIZATION_ENDPOINT or OIDC_OP_DISCOVERY_URL).split("/")[:3])
if OIDC_RP_CLIENT_ID and _SSO_ORIGIN:
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(_SSO_ORIGIN)

# --- Email ----------------------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="lodestar@localhost")
# Links in emails point here: the address people use to reach Lodestar.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# --- REST API -------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes unauthenticated calls answer 401, not 403.
        "core.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.ScopedObjectPermissions"],
    # DRF's parsers, refusing a NUL character anywhere in a body (PostgreSQL cannot store it): 400, not 500.
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "core.api.parsers.FormParser",
        "core.api.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "core.api.filters.ModelOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="30/minute"),
        "user": env("API_THROTTLE_USER", default="2000/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lodestar API",
    "DESCRIPTION": "Govern the AI portfolio: use cases, models, reviews, monitoring and the audit trail.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "portfolio.choices.Level",
        "UseCaseStatusEnum": "portfolio.choices.UseCaseStatus",
        "AgreementStatusEnum": "portfolio.models.roadmap.Agreement.Status",
        "AssumptionStatusEnum": "portfolio.models.reviews.Assumption.Status",
        "StageEnum": "lifecycle.choices.Stage",
        "EnvironmentEnum": "lifecycle.models.Deployment.Environment",
        "DecisionEnum": "portfolio.models.reviews.ReviewDecision.Decision",
        "SignOffDecisionEnum": "governance.choices.Decision",
        "AssessmentStatusEnum": "governance.choices.AssessmentStatus",
        "ReviewStatusEnum": "governance.choices.ReviewStatus",
        "TierEnum": "governance.choices.Tier",
        "TestEvidenceKindEnum": "governance.choices.TestEvidenceKind",
        "PirOutcomeEnum": "governance.choices.PirOutcome",
        "TrialOutcomeEnum": "sourcing.choices.TrialOutcome",
        # Compliance and test evidence are accepted or rejected alike: one enum, under its first name.
        "EvidenceReviewDecisionEnum": [("accept", "Accept"), ("reject", "Reject")],
        "AlertRuleActionEnum": "monitoring.choices.RuleAction",
        "AlertSeverityEnum": "monitoring.choices.Severity",
        "AlertStatusEnum": "monitoring.choices.AlertStatus",
        "AlertConditionEnum": "monitoring.choices.Condition",
        "RootCauseEnum": "monitoring.choices.RootCause",
        "SyncRunStatusEnum": "monitoring.choices.SyncStatus",
        "RetrainingTriggerEnum": "monitoring.choices.RetrainingTrigger",
        "RetrainingStatusEnum": "monitoring.choices.RetrainingStatus",
        "EvaluationStatusEnum": "sourcing.choices.EvaluationStatus",
        "EvaluationDecisionEnum": "sourcing.choices.EvaluationDecision",
        "StandardStatusEnum": "sourcing.choices.StandardStatus",
        "ExternalAuditStatusEnum": "compliance.choices.ExternalAuditStatus",
        "FollowUpStatusEnum": "compliance.choices.FollowUpStatus",
        "LegalHoldScopeEnum": "audit.models.LegalHold.Scope",
        "PurgeRunStatusEnum": "audit.models.PurgeRun.Status",
    },
}

# --- Celery ---------------------------------------------------------------------------------------

# Audit chain checkpoints live outside the database, signed with a key the database never holds.
AUDIT_ANCHOR_DIR = env("AUDIT_ANCHOR_DIR", default=str(VAR_DIR / "audit-anchors"))
AUDIT_ANCHOR_KEY = env("AUDIT_ANCHOR_KEY", default="")

# Redis when configured (shared by every process, so a webhook replay is caught whichever worker gets it);
# otherwise each process keeps its own.
CACHE_REDIS_URL = env("CACHE_REDIS_URL", default="")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_REDIS_URL}
    if CACHE_REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Kept pages stay in each process's memory, bounded (core.page_cache: a page is right wherever it is kept).
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "lodestar-pages",
        "OPTIONS": {"MAX_ENTRIES": env.int("PAGE_CACHE_ENTRIES", default=500)},
    },
}
# Dashboards cache their expensive panels this long at most (any audited change invalidates them sooner).
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=60)
# Whole read-only pages (the inventory, the dashboards) kept per reader on the audit head (core.page_cache); 0: off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=60)

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_RESULT_BACKEND = env(
    "CELERY_RESULT_BACKEND",
    default=(
        f"file://{VAR_DIR / 'celery' / 'results'}"
        if CELERY_BROKER_URL.startswith("filesystem")
        else CELERY_BROKER_URL.rsplit("/", 1)[0] + "/1"
    ),
)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# Longer than the longest task, or a slow task is redelivered while it still runs.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 30 * 60)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# No task is lost: a task is acknowledged only after it ran, a task whose worker died goes back
# to the queue, and each worker process takes one task at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TASK_TRACK_STARTED = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
if CELERY_BROKER_URL.startswith("filesystem"):
    # Embedded default: a broker in plain files under var/, so a worker and beat run without a server.
    _queue, _processed = VAR_DIR / "celery" / "queue", VAR_DIR / "celery" / "processed"
    _control = VAR_DIR / "celery" / "control"
    for _folder in (_queue, _processed, _control, VAR_DIR / "celery" / "results"):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(_processed),
        "control_folder": str(_control),
        "store_processed": False,
    }

# --- MLflow ---------------------------------------------------------------------------------------

MLFLOW_TRACKING_URI = env("MLFLOW_TRACKING_URI", default="http://127.0.0.1:5055")
# Shared with MLflow's registry webhook (POST /hooks/mlflow/); empty: webhooks are refused, polling only.
MLFLOW_WEBHOOK_SECRET = env("MLFLOW_WEBHOOK_SECRET", default="")
# Outgoing webhooks (monitoring.webhooks): receivers on private or loopback addresses are refused unless this
# is on (tests and the embedded demo); the first retry waits this many seconds, each next one twice as long.
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_BACKOFF_SECONDS = env.int("WEBHOOK_BACKOFF_SECONDS", default=30)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Outbound proxy for webhook deliveries (http://[user:password@]host:port); empty: direct. Deliveries tunnel through
# it with CONNECT to the address Lodestar resolved and checked, so the proxy never resolves the receiver's name.
WEBHOOK_PROXY = env("LODESTAR_WEBHOOK_PROXY", default="")
# Metric history pages read from MLflow: points per page and pages per metric at most (both bounded).
MLFLOW_HISTORY_PAGE_SIZE = env.int("MLFLOW_HISTORY_PAGE_SIZE", default=5000)
MLFLOW_HISTORY_MAX_PAGES = env.int("MLFLOW_HISTORY_MAX_PAGES", default=200)
# Read histories of many runs per request through the endpoint MLflow's UI uses (internal, unversioned);
# off, or missing on the server, the sync reads each run's history through the public API.
MLFLOW_BULK_HISTORY = env.bool("MLFLOW_BULK_HISTORY", default=True)
# MLflow's circuit breaker (lifecycle.mlflow_client): open after this many failed calls in a row, then one probe
# request per cool-down (seconds) until MLflow answers again.
MLFLOW_BREAKER_THRESHOLD = env.int("MLFLOW_BREAKER_THRESHOLD", default=5)
MLFLOW_BREAKER_COOLDOWN = env.float("MLFLOW_BREAKER_COOLDOWN", default=60.0)
# A sync run still "running" after this many seconds was interrupted (its worker died); the next sync closes it.
MONITORING_SYNC_STALE_AFTER = env.int("MONITORING_SYNC_STALE_AFTER", default=2 * 60 * 60)
# Versions per sync task: their histories are read together, up to 100 runs per bulk request.
MONITORING_SYNC_BATCH = env.int("MONITORING_SYNC_BATCH", default=50)
# Bulk history requests in flight at once per batch: the sync mostly waits for MLflow, which serves them in parallel.
MONITORING_SYNC_READ_THREADS = env.int("MONITORING_SYNC_READ_THREADS", default=4)
# Raw metric points older than this are rolled up into daily aggregates by monitoring.roll_up_points.
MONITORING_RAW_RETENTION_DAYS = env.int("MONITORING_RAW_RETENTION_DAYS", default=365)
# The health check calls a production version's metrics stale when no point arrived for this many hours.
MONITORING_HEALTH_STALE_HOURS = env.int("MONITORING_HEALTH_STALE_HOURS", default=48)

# --- Retention --------------------------------------------------------------------------------------

# Documentation is kept at least 10 years (AI Act Art. 18) and operational logs at least 6 months (Art. 19);
# a longer policy is welcome, a shorter one is refused at start-up (audit.retention). The purge deletes only
# expired operational logs (read notifications, finished webhook deliveries, sync runs, expired sessions).
RETENTION_DOCUMENTATION_DAYS = env.int("RETENTION_DOCUMENTATION_DAYS", default=3653)
RETENTION_LOG_DAYS = env.int("RETENTION_LOG_DAYS", default=184)

# --- Logging --------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
