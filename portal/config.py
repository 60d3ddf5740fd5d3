"""Configuration read from the environment, with safe defaults for development."""
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = Path(os.environ.get("PORTAL_INSTANCE_PATH", PROJECT_ROOT / "instance"))

# The secret a developer gets without setting anything; production refuses to start with it.
DEVELOPMENT_SECRET_KEY = "dev-only-secret-do-not-use-in-production"


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{INSTANCE_PATH / 'portal.sqlite3'}"
    # Hosting panels hand out postgres:// URLs; SQLAlchemy needs the driver named.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url()
    # No pool_pre_ping: on PostgreSQL a connection the database dropped (restart, failover) is found and
    # replaced when taken from the pool without a query (portal.domain.transactions); SQLite has no server.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_PATH / "uploads"))
    # Whole-request ceiling; per-file limits are checked by the features that accept files.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 25 * 1024 * 1024))
    MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    # Inactivity after which a signed-in user must sign in again.
    PERMANENT_SESSION_LIFETIME = int(os.environ.get("SESSION_LIFETIME_SECONDS", 8 * 3600))
    # Renewed by portal.web while in use (once a minute), rather than signed again on every request.
    SESSION_REFRESH_EACH_REQUEST = False
    LOGIN_THROTTLE_WINDOW_SECONDS = 15 * 60
    LOGIN_THROTTLE_MAX_PER_USERNAME = 5
    LOGIN_THROTTLE_MAX_PER_ADDRESS = 30
    PAGE_SIZE = 25
    # Each worker keeps the compliance tables it drew (portal.compliance.cache): at most this many bytes,
    # each at most this many seconds (it is dropped sooner, at once, when anything it shows changes).
    COMPLIANCE_CACHE_BYTES = int(os.environ.get("COMPLIANCE_CACHE_BYTES", 8 * 1024 * 1024))
    COMPLIANCE_CACHE_SECONDS = float(os.environ.get("COMPLIANCE_CACHE_SECONDS", 60))


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret"
    WTF_CSRF_ENABLED = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")


def config_from_environment():
    """The configuration class named by PORTAL_ENV (development by default)."""
    name = os.environ.get("PORTAL_ENV", "development")
    return {"production": ProductionConfig, "development": Config, "test": TestConfig}[name]
