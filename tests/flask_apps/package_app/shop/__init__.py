from flask import Flask

app = Flask(__name__, static_folder="assets/")
app.config.update(UPLOAD_FOLDER="/var/www/shop/uploads", MEDIA_URL="/media/")

from shop import views  # noqa: E402,F401  (circular import: views needs app)
