from pathlib import Path

BASE = Path(__file__).resolve().parent
APP_NAME = "myapp"


class BaseConfig:
    UPLOAD_FOLDER = BASE / "uploads"
    UPLOADS_DEFAULT_DEST = f"{BASE.parent}/var/{APP_NAME}"


class StagingConfig(BaseConfig):
    pass


class ProductionConfig(StagingConfig):
    UPLOAD_DIR = BASE.parent.parent / "srv"
