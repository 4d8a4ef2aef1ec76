import os

from flask import Flask
from werkzeug.middleware.shared_data import SharedDataMiddleware

app = Flask(__name__)
app.config["UPLOAD_FOLDER"] = "uploads"
# The Flask docs' pattern: url_for builds /uploads/<name>, the middleware serves it.
app.add_url_rule("/uploads/<name>", endpoint="download_file", build_only=True)
app.wsgi_app = SharedDataMiddleware(app.wsgi_app, {
    "/uploads": app.config["UPLOAD_FOLDER"],
    "/public": os.path.join(os.path.dirname(__file__), "public"),
})
