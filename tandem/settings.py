"""Tandem's one settings module, driven by the environment.

Every value that differs between a laptop demo, the test suite and a production
deployment comes from an environment variable; nothing else changes. A missing
or malformed required value stops start-up with a hint saying what to set.

  DATABASE_URL        sqlite:///path (default: var/tandem.sqlite3, WAL mode) or postgres://...
  TANDEM_PROFILE      "dev" (default; DEBUG on, for `tandem serve`), "demo" (what `make demo` serves:
                      no DEBUG, collected static files, plain http on this machine) or "production"
                      (no DEBUG, collected static files, secure cookies, HSTS); see ADR 12
  SECRET_KEY          required when TANDEM_PROFILE=production; the demo makes one in var/ if unset
  ALLOWED_HOSTS       comma-separated; required when TANDEM_PROFILE=production
                      (the demo allows 127.0.0.1, localhost and [::1] unless it is set)
  EMAIL_URL           smtp://host:port (default smtp://127.0.0.1:1025)
  TANDEM_LOG_LEVEL    INFO by default
  TANDEM_LOG_FORMAT   "json" (default: one JSON object a line) or "plain"
  TANDEM_LOG_FILE     also write logs to one file a day beside this path, keeping
                      TANDEM_LOG_RETENTION_DAYS days (default 30)
  TANDEM_WORKER_MAX_SILENCE  seconds without a sign of life before /healthz says the worker stopped (120)
  TANDEM_CONN_MAX_AGE seconds a database connection is kept for later requests (default 600; 0: one per request)
  TANDEM_SMS_GATEWAY  dotted path of the SMS gateway class (default: the demo gateway, which only records)
  TANDEM_PUBLIC_URL   the address people use to reach Tandem, for reply links in packs
                      (default http://127.0.0.1:8000; required when TANDEM_PROFILE=production)
  TANDEM_AUDIT_RETENTION_DAYS  days the audit log is kept (default 2922, 8 years; `tandem retention`)
  TANDEM_GZIP_LEVEL   gzip level of pages, 1 (fastest) to 9 (smallest); default 2
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("TANDEM_VAR_DIR", BASE_DIR / "var"))


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


PROFILE = _env("TANDEM_PROFILE", "dev")
if PROFILE not in ("dev", "demo", "production"):
    raise ImproperlyConfigured(
        f"TANDEM_PROFILE must be 'dev', 'demo' or 'production', not {PROFILE!r}."
    )
PRODUCTION = PROFILE == "production"
DEMO = PROFILE == "demo"
# Served as a deployment is: no DEBUG, static files collected with cache-busted names.
SERVED = PROFILE in ("demo", "production")

DEBUG = not SERVED and _env("TANDEM_DEBUG", "1") == "1"


def _demo_secret_key() -> str:
    """A random key kept in var/ for this demo installation, made on first use (never a published one)."""
    path = VAR_DIR / "demo-secret-key"
    if not path.exists():
        import secrets
        import tempfile

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=VAR_DIR)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(64))
        try:
            os.link(temporary, path)  # fails if another process made it first: theirs is kept
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return path.read_text().strip()

if PRODUCTION:
    SECRET_KEY = _env("SECRET_KEY")
    if not SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random string of at least 50 characters when "
            "TANDEM_PROFILE=production. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
        )
    hosts = _env("ALLOWED_HOSTS")
    if not hosts:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must list the host names Tandem is served on (comma-separated) "
            "when TANDEM_PROFILE=production."
        )
    ALLOWED_HOSTS = [h.strip() for h in hosts.split(",") if h.strip()]
elif DEMO:
    SECRET_KEY = _env("SECRET_KEY") or _demo_secret_key()
    ALLOWED_HOSTS = [h.strip() for h in (_env("ALLOWED_HOSTS") or "127.0.0.1,localhost,[::1]").split(",") if h.strip()]
else:
    SECRET_KEY = _env("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production-0123456789")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",  # sign-in lock-out (AXES_* below)
    "django_otp",  # two-factor authentication
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "tandem.core",
    "tandem.terminology",
    "tandem.patients",
    "tandem.synth",
    "tandem.fhir",
    "tandem.registers",
    "tandem.jobs",
    "tandem.messaging",
    "tandem.clinics",
    "tandem.recall",
    "tandem.prepare",
    "tandem.booking",
    "tandem.results",
    "tandem.careplans",
    "tandem.careteam",
    "tandem.privacy",
    "tandem.continuity",
    "tandem.checkins",
    "tandem.learn",
    "tandem.people",
    "tandem.surveys",
    "tandem.team",
    "tandem.demo",
    "tandem.population",
    "oauth2_provider",  # the FHIR API's OAuth 2.0 authorisation server (OAUTH2_PROVIDER below)
    "tandem.fhirapi",
]

MIDDLEWARE = [
    # Outermost: gives the request its id and writes its one access line, timing everything below.
    "tandem.core.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "tandem.core.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed (static files come compressed from WhiteNoise, above): the workspace is ~170 KB
    # of HTML. Django's GZip at TANDEM_GZIP_LEVEL (tandem.core.compression), padding each response
    # randomly against BREACH; CSRF tokens are masked anew.
    "tandem.core.compression.PageGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tandem.core.idle.IdleSessionMiddleware",  # signs out after TANDEM_IDLE_MINUTES without a request
    "tandem.people.session.PersonSessionMiddleware",  # request.person: a person signed in with NHS login
    "axes.middleware.AxesMiddleware",  # answers a locked-out sign-in with tandem.core.views.locked_out
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tandem.core.middleware.CurrentPracticeMiddleware",
    "tandem.core.access.AccessMiddleware",  # who may open which page: tandem.core.rules.URL_ACCESS
    "tandem.core.null_characters.RefuseNullCharactersMiddleware",  # no U+0000 reaches a view (400)
]

ROOT_URLCONF = "tandem.urls"
WSGI_APPLICATION = "tandem.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "tandem.jinja2env.environment",
            # csp_nonce (and cspNonce, the NHS.UK page template's name) for the page's own scripts
            # and page_layout, the layout's header and footer rendered once per process (tandem.core.layout)
            "context_processors": ["django.template.context_processors.csp", "tandem.core.headers.csp_nonce",
                                   "tandem.core.layout.context"],
        },
    },
    {
        # Only for Django's own internals (e.g. error pages of contrib apps).
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]

# --- Database -----------------------------------------------------------------
DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'tandem.sqlite3'}"
DATABASE_URL = _env("DATABASE_URL", DEFAULT_SQLITE)
# Persistent connections (a new PostgreSQL connection costs ~5 ms of every request), checked
# before a request reuses one, so a restarted database is reconnected to rather than an error.
_conn_max_age = _env("TANDEM_CONN_MAX_AGE", "600")
if not (_conn_max_age.isascii() and _conn_max_age.isdigit() and len(_conn_max_age) < 8):
    raise ImproperlyConfigured(
        f"TANDEM_CONN_MAX_AGE must be a whole number of seconds (0 closes the connection after "
        f"each request), not {_conn_max_age!r}."
    )
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=int(_conn_max_age), conn_health_checks=True)
except Exception as exc:  # dj_database_url raises several types for bad URLs
    raise ImproperlyConfigured(
        f"DATABASE_URL could not be read ({exc}). Use sqlite:///path/to/file.sqlite3 "
        "or postgres://user@host:5432/dbname."
    ) from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["OPTIONS"] = {
        # WAL lets readers carry on while a writer works; IMMEDIATE avoids
        # "database is locked" upgrades mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    _db["TEST"] = {"NAME": _env("TANDEM_TEST_SQLITE_NAME")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db.setdefault("TEST", {})
elif "ENGINE" not in _db or not _db["ENGINE"]:
    raise ImproperlyConfigured("DATABASE_URL must be a sqlite:/// or postgres:// URL.")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Indexes with extra stored columns (Index(include=...)) let PostgreSQL answer the recall board from
# the index alone; SQLite keeps the same index without them, as intended (tandem.recall.models).
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes checks every sign-in first; it refuses accounts and addresses that are locked out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the user with their memberships and practices in one query.
    "tandem.core.middleware.StaffBackend",
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
NODE_MODULES = BASE_DIR / "node_modules"
# The NHS.UK frontend is served under /static/nhsuk/ by its own finder, which removes the web fonts
# fetched from assets.nhs.uk (tandem/core/staticfiles.py); htmx is served as published.
NHSUK_FRONTEND_DIST = NODE_MODULES / "nhsuk-frontend" / "dist" / "nhsuk"
STATICFILES_DIRS = [
    ("htmx", NODE_MODULES / "htmx.org" / "dist"),
    PACKAGE_DIR / "static",
]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "tandem.core.staticfiles.NHSUKFrontendFinder",
]
# Served profiles use the files `tandem collectstatic` put in var/static: compressed, with the
# content's hash in each name, so WhiteNoise lets browsers keep them for years (ADR 12).
# The dev profile serves them straight from where they are, so edits show at once.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if SERVED
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not SERVED

# Uploads: FHIR files can be large; they are streamed to disk above this size.
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security -------------------------------------------------------------------
# Django's database sessions, read with one plain statement (tandem.core.sessions).
SESSION_ENGINE = "tandem.core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60  # a working day


def _whole_number(name: str, default: int, *, least: int = 1) -> int:
    raw = _env(name, str(default))
    if not raw.isascii() or not raw.isdigit() or int(raw) < least:
        raise ImproperlyConfigured(f"{name} must be a whole number, {least} or more (not {raw!r}).")
    return int(raw)


# gzip level for pages (1 fastest .. 9 smallest): 2 costs a third to a half of Django's 6 in CPU for
# pages about a fifth larger (tandem.core.compression).
TANDEM_GZIP_LEVEL = _whole_number("TANDEM_GZIP_LEVEL", 2)
if TANDEM_GZIP_LEVEL > 9:
    raise ImproperlyConfigured(f"TANDEM_GZIP_LEVEL must be 1 to 9 (not {TANDEM_GZIP_LEVEL}).")

# --- Sign-in: lock-out, two-factor, idle sessions (docs/developer-guide.md, "Signing in") ----------
# Staff are signed out after this many minutes without opening a page (the page then says why).
TANDEM_IDLE_MINUTES = _whole_number("TANDEM_IDLE_MINUTES", 30)
# Lock-out (django-axes, failures kept in the database so every server process sees them): an account
# after TANDEM_SIGN_IN_ACCOUNT_FAILURES wrong passwords or codes, an address (a practice's whole network
# may share one) after TANDEM_SIGN_IN_ADDRESS_FAILURES; both end TANDEM_LOCKOUT_MINUTES after the last
# failure. `tandem axes_reset_username <username>` unlocks an account at once.
TANDEM_SIGN_IN_ACCOUNT_FAILURES = _whole_number("TANDEM_SIGN_IN_ACCOUNT_FAILURES", 5)
TANDEM_SIGN_IN_ADDRESS_FAILURES = _whole_number("TANDEM_SIGN_IN_ADDRESS_FAILURES", 30)
TANDEM_LOCKOUT_MINUTES = _whole_number("TANDEM_LOCKOUT_MINUTES", 15)
# The audit log is kept this many days; `tandem retention` removes older rows (tandem/privacy/README.md).
# 8 years (2,922 days) by default: set what the practice's records management policy says.
TANDEM_AUDIT_RETENTION_DAYS = _whole_number("TANDEM_AUDIT_RETENTION_DAYS", 2922)
# A person's copy of their data (subject access) can be downloaded for this many days after it is made.
TANDEM_SUBJECT_ACCESS_KEEP_DAYS = _whole_number("TANDEM_SUBJECT_ACCESS_KEEP_DAYS", 30)
AXES_HANDLER = "tandem.core.lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # counted apart: see tandem.core.lockout
AXES_FAILURE_LIMIT = TANDEM_SIGN_IN_ACCOUNT_FAILURES
AXES_COOLOFF_TIME = "tandem.core.lockout.cool_off"
AXES_LOCKOUT_CALLABLE = "tandem.core.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "tandem.core.lockout.client_ip"
AXES_CLIENT_STR_CALLABLE = "tandem.core.lockout.client_str"  # no usernames or addresses in logs
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password", "code", "csrfmiddlewaretoken"]  # masked in its records
AXES_RESET_ON_SUCCESS = False
# Behind a proxy, the request header holding the client's address, e.g. HTTP_X_FORWARDED_FOR (the
# proxy must set it; its last entry is used). Unset: the connection's own address.
TANDEM_CLIENT_IP_HEADER = _env("TANDEM_CLIENT_IP_HEADER")
OTP_TOTP_ISSUER = "Tandem"
# --- People signing in to their own Tandem with NHS login (ADR 16; tandem.people.oidc) -----------------
# The provider's issuer URL (its discovery document is <issuer>/.well-known/openid-configuration): NHS
# login's sandpit or integration environment, or any OpenID provider shaped like it. Unset, signing in
# as a person is off (its page says so) and the date-of-birth reply links carry on as before.
TANDEM_NHS_LOGIN_ISSUER = _env("TANDEM_NHS_LOGIN_ISSUER", "").rstrip("/")
TANDEM_NHS_LOGIN_CLIENT_ID = _env("TANDEM_NHS_LOGIN_CLIENT_ID", "")
# Path to the private key (PEM, or a private JWK as JSON; RSA 2048 or more) whose public half is
# registered with NHS login: client assertions (private_key_jwt) are signed with it, RS512.
TANDEM_NHS_LOGIN_KEY = _env("TANDEM_NHS_LOGIN_KEY", "")
TANDEM_NHS_LOGIN_SCOPES = _env("TANDEM_NHS_LOGIN_SCOPES", "openid profile gp_registration_details")
# PKCE (S256) on the code flow; NHS login documents it for public clients only: off if the token endpoint refuses it.
TANDEM_NHS_LOGIN_PKCE = _env("TANDEM_NHS_LOGIN_PKCE", "1") == "1"
# A person's session ends after this many minutes without a request, and this many hours after signing
# in: NHS login's session management asks for at most 30 minutes and 12 hours.
TANDEM_PERSON_IDLE_MINUTES = _whole_number("TANDEM_PERSON_IDLE_MINUTES", 30)
TANDEM_PERSON_MAX_HOURS = _whole_number("TANDEM_PERSON_MAX_HOURS", 12)
if TANDEM_PERSON_IDLE_MINUTES > 30 or TANDEM_PERSON_MAX_HOURS > 12:
    raise ImproperlyConfigured("TANDEM_PERSON_IDLE_MINUTES may be at most 30 and TANDEM_PERSON_MAX_HOURS at most "
                               "12 (NHS login's session management).")
if PRODUCTION and TANDEM_NHS_LOGIN_ISSUER and (
        not TANDEM_NHS_LOGIN_ISSUER.startswith("https://") or not TANDEM_NHS_LOGIN_CLIENT_ID
        or not TANDEM_NHS_LOGIN_KEY or not Path(TANDEM_NHS_LOGIN_KEY).is_file()):
    raise ImproperlyConfigured("With TANDEM_NHS_LOGIN_ISSUER set, production needs an https issuer, "
                               "TANDEM_NHS_LOGIN_CLIENT_ID, and TANDEM_NHS_LOGIN_KEY naming a readable key file.")
# Public links (/r/...): requests allowed per address and per link (django-ratelimit, counted in the
# shared cache so every server process counts together). Rates as N/period, period s, m, h or e.g. 10m.
# Generous per address: a mobile network or a care home may put many people behind one address.
TANDEM_PUBLIC_RATE_PER_ADDRESS = _env("TANDEM_PUBLIC_RATE_PER_ADDRESS", "120/m")
TANDEM_PUBLIC_RATE_PER_LINK = _env("TANDEM_PUBLIC_RATE_PER_LINK", "30/m")
RATELIMIT_USE_CACHE = "shared"
# The FHIR API's authorisation server (django-oauth-toolkit; tandem/fhirapi/README.md, ADR 17): the
# authorization code grant with PKCE (S256 only), SMART scopes from tandem.fhirapi.rules, access tokens
# for an hour, refresh tokens rotated (a reused one ends its family) for up to 30 days. API ids are
# keyed by TANDEM_FHIR_ID_KEY (else SECRET_KEY): changing it changes every id the API has given out.
TANDEM_FHIR_ID_KEY = _env("TANDEM_FHIR_ID_KEY", "")
OAUTH2_PROVIDER = {
    "SCOPES_BACKEND_CLASS": "tandem.fhirapi.oauth.SmartScopes",
    "OAUTH2_VALIDATOR_CLASS": "tandem.fhirapi.oauth.Validator",
    "PKCE_REQUIRED": True,
    # RFC 9700 (OAuth 2.0 security best current practice), each as django-oauth-toolkit 4.0 will default:
    # no implicit or password grants, S256 only, tokens in the Authorization header only, `iss` in the
    # authorization response, tokens stored hashed.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REQUEST_APPROVAL_PROMPT": "force",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if PRODUCTION else ["https", "http"],
}
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105 - a model; tandem.fhirapi.models refers to it
RATELIMIT_IP_META_KEY = "tandem.core.lockout.rate_limit_ip"
CACHES = {
    # This process's own memory: for what may differ for a moment between processes.
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # One table in Tandem's database, shared by every server process (made by `tandem migrate`).
    "shared": {"BACKEND": "tandem.core.shared_cache.SharedDatabaseCache", "LOCATION": "tandem_shared_cache",
               "OPTIONS": {"MAX_ENTRIES": 10000}},
}
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "tandem.core.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (Django's own middleware): scripts, styles, images and fonts only from
# Tandem itself; no inline style attributes or <style> blocks, and the only inline scripts are the
# page template's two, which carry the request's nonce. htmx runs without eval and without adding
# its own <style> (layout.jinja's htmx-config). No framing, no plugins, forms post only to Tandem.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Browser features Tandem never uses, switched off (tandem.core.headers adds the header).
TANDEM_PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "midi=(), magnetometer=(), gyroscope=(), accelerometer=(), display-capture=()"
)
# The demo serves plain http on this machine, so it cannot have secure-only cookies, HSTS or an
# https redirect; everything else is as in production (ADR 12).
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env("TANDEM_SSL_REDIRECT", "1") == "1"
    SECURE_REDIRECT_EXEMPT = [r"^healthz"]  # load balancers probe health over plain http
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Email ----------------------------------------------------------------------
_email = _env("EMAIL_URL", "smtp://127.0.0.1:1025")
if not _email.startswith("smtp://"):
    raise ImproperlyConfigured("EMAIL_URL must look like smtp://host:port")
_host, _, _port = _email.removeprefix("smtp://").partition(":")
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": _host or "127.0.0.1", "port": int(_port or 25), "timeout": 10},
    }
}
TANDEM_SMS_GATEWAY = _env("TANDEM_SMS_GATEWAY")
TANDEM_PUBLIC_URL = _env("TANDEM_PUBLIC_URL", "" if PRODUCTION else "http://127.0.0.1:8000")
if PRODUCTION and not TANDEM_PUBLIC_URL.startswith("https://"):
    raise ImproperlyConfigured("TANDEM_PUBLIC_URL must be the https:// address people use to reach Tandem "
                               "when TANDEM_PROFILE=production (it goes into the reply links in packs).")
DEFAULT_FROM_EMAIL = _env("DEFAULT_FROM_EMAIL", "tandem@practice.invalid")

# --- Logging: primary keys only, never names, NHS numbers or free text ----------
# One JSON object a line (TANDEM_LOG_FORMAT=plain for a developer's terminal), with the request's id,
# user id and practice id; one access line per request on `tandem.access` (tandem.core.request_log).
# TANDEM_LOG_FILE also writes one file a day beside that path, keeping TANDEM_LOG_RETENTION_DAYS days.
LOG_FORMAT = _env("TANDEM_LOG_FORMAT", "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"TANDEM_LOG_FORMAT must be 'json' or 'plain', not {LOG_FORMAT!r}.")
LOG_FILE = _env("TANDEM_LOG_FILE")
try:
    LOG_RETENTION_DAYS = int(_env("TANDEM_LOG_RETENTION_DAYS", "30"))
except ValueError:
    LOG_RETENTION_DAYS = 0
if LOG_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("TANDEM_LOG_RETENTION_DAYS must be a whole number of days, 1 or more.")
_log_handlers = ["console"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "tandem.core.logging.RedactIdentifiersFilter"},
        "request": {"()": "tandem.core.logging.RequestContextFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "tandem.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["redact", "request"]}
    },
    "root": {"handlers": _log_handlers, "level": _env("TANDEM_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request logger puts URLs (which can hold search terms) in messages.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}
if LOG_FILE:
    LOGGING["handlers"]["file"] = {"()": "tandem.core.logging.DailyFileHandler", "path": LOG_FILE,
                                   "keep_days": LOG_RETENTION_DAYS, "formatter": "json",
                                   "filters": ["redact", "request"]}
    _log_handlers.append("file")

# Tandem's own knobs
TANDEM_FIXED_TODAY = _env("TANDEM_TODAY")  # ISO date; pins the clock (demo and tests)
try:
    TANDEM_WORKER_MAX_SILENCE = int(_env("TANDEM_WORKER_MAX_SILENCE", "120"))
except ValueError:
    raise ImproperlyConfigured("TANDEM_WORKER_MAX_SILENCE must be a whole number of seconds.") from None
if TANDEM_FIXED_TODAY and PRODUCTION:
    raise ImproperlyConfigured("TANDEM_TODAY pins the clock for demos and tests; unset it when TANDEM_PROFILE=production.")
