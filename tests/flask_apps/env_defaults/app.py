import os

from flask import Flask

app = Flask(__name__)
app.config["UPLOAD_FOLDER"] = os.environ.get("UPLOADS", "/srv/up")
app.config["MEDIA_DIR"] = os.getenv("MEDIA_DIR") or "media"
app.config["UPLOAD_REQUIRED"] = os.environ["REQUIRED_UPLOAD_DIR"]
app.config["UPLOAD_TMP"] = os.getenv("UPLOAD_TMP")

if os.environ.get("FLASK_ENV") == "production":
    MEDIA_ROOT = "/srv/media"
else:
    MEDIA_ROOT = os.path.join(os.path.dirname(__file__), "media")
app.config["MEDIA_ROOT"] = MEDIA_ROOT
