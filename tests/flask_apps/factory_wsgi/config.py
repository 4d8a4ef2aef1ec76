import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev")
    UPLOAD_FOLDER = str(BASE_DIR / "uploads")
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024


class DevelopmentConfig(Config):
    DEBUG = True


class ProductionConfig(Config):
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", "/srv/media/uploads")
    MEDIA_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "media")


config_by_name = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
}
