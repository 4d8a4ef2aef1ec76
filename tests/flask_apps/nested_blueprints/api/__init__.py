from flask import Blueprint

from api.v1 import v1

api = Blueprint("api", __name__, url_prefix="/ignored")
# The same child twice, the second under another name and prefix.
api.register_blueprint(v1)
api.register_blueprint(v1, name="legacy", url_prefix="/old/")


@api.route("/health")
def health():
    return "ok"
