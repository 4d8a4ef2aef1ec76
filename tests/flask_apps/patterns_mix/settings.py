import os


class Config(object):
    UPLOAD_FOLDER = os.getenv("UPLOAD_FOLDER", "uploads")
    MEDIA_URL = "/media/"


class ProdConfig(Config):
    pass


ENV = os.environ.get("APP_ENV", "prod")
