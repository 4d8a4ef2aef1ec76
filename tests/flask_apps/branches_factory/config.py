import os

basedir = os.path.abspath(os.path.dirname(__file__))


class Config:
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or os.path.join(basedir, "uploads")

    @staticmethod
    def init_app(app):
        pass


class DevelopmentConfig(Config):
    DEBUG = True


class ProductionConfig(Config):
    UPLOAD_FOLDER = "/var/www/flasky/uploads"

    @classmethod
    def init_app(cls, app):
        Config.init_app(app)
        app.config["MEDIA_ROOT"] = os.path.join(basedir, "media")


config = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "default": DevelopmentConfig,
}
