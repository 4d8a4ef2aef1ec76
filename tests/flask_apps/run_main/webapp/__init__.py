from flask import Flask

CONFIGS = {"development": "uploads-dev", "production": "/srv/site/uploads"}


def create_app(env="development"):
    app = Flask(__name__)
    app.config["UPLOAD_FOLDER"] = CONFIGS[env]
    return app
