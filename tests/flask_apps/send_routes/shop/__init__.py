import os

from flask import Flask

BASE_DIR = os.path.abspath(os.path.dirname(__file__))


def create_app():
    app = Flask(__name__)
    app.config["UPLOAD_FOLDER"] = "uploads"
    app.config["EXPORT_DIR"] = os.path.join(BASE_DIR, "..", "var", "exports")

    from shop.media import media
    from shop.admin import admin

    app.register_blueprint(media, url_prefix="/media")
    app.register_blueprint(admin, url_prefix="/admin")

    @app.route("/robots.txt")
    def robots():
        from flask import send_file

        return send_file("static/robots.txt")

    return app
