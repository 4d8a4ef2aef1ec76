from flask import Blueprint

docs = Blueprint("docs", __name__, static_folder="rstat", static_url_path="rstat")
