import os

from flask import Flask

from config import config_by_name


def create_app(config_name=None):
    app = Flask(__name__)
    app.config.from_object(config_by_name[os.getenv("APP_ENV", "development")])

    from app.main import bp as main_bp
    from app.admin.views import admin

    app.register_blueprint(main_bp)
    app.register_blueprint(admin, url_prefix="/manage")
    return app
