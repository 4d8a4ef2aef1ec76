from flask import Blueprint, Flask

app = Flask(__name__, "/s", "public", None, False, False, "views")
shop = Blueprint("shop", __name__, "shop_static", "/shop-assets", None, "/shop")
app.register_blueprint(shop)
