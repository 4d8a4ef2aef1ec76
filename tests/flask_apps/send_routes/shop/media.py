import os

from flask import Blueprint, current_app, send_file, send_from_directory

from shop import BASE_DIR
from shop.auth import login_required

media = Blueprint("media", __name__)
THEMES = os.path.join(BASE_DIR, "themes")


@media.route("/uploads/<path:filename>")
@login_required
def uploads(filename):
    return send_from_directory(current_app.config["UPLOAD_FOLDER"], filename)


@login_required  # above the route: Flask registered the undecorated view
@media.route("/public/<path:filename>")
def public(filename):
    return send_from_directory(current_app.config["UPLOAD_FOLDER"], filename)


@media.route("/themes/<theme>/static/<path:filename>")
def theme_static(theme, filename):
    return send_from_directory(os.path.join(THEMES, theme, "static"), filename)


@media.route("/exports/<name>")
def export(name):
    return send_file(os.path.join(current_app.config["EXPORT_DIR"], name))
