from flask import Blueprint, send_from_directory

v1 = Blueprint("v1", __name__, static_folder="static", url_prefix="/v1")


@v1.route("/docs/<path:name>")
def docs(name):
    return send_from_directory("exports", name)
