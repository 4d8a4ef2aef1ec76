from flask import Blueprint, abort, request, send_from_directory

admin = Blueprint("admin", __name__)


@admin.before_request
def require_login():
    if request.headers.get("X-Auth") != "yes":
        abort(401)


@admin.route("/reports/<path:filename>")
def reports(filename):
    return send_from_directory("reports", filename)
