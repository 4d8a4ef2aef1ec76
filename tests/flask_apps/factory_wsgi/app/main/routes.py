from flask import current_app, render_template, send_from_directory

from app.main import bp


@bp.route("/")
def index():
    return render_template("index.html")


@bp.route("/media/<path:filename>")
def media(filename):
    return send_from_directory(current_app.config["UPLOAD_FOLDER"], filename)
