from flask import Blueprint

shop = Blueprint("shop", __name__, url_prefix="/shop", static_folder="static", static_url_path="/shop-static/")
