import os

from flask import Flask

ROOT = os.path.dirname(os.path.abspath(__file__))
SITE = "acme"

app = Flask(__name__)
app.config.from_mapping(UPLOAD_FOLDER=f"{ROOT}/uploads/{SITE}", upload_lower="ignored")
app.config.from_mapping({"MEDIA_FOLDER": "media/%s" % SITE})
app.config.update(MEDIA_ROOT=os.path.join(ROOT, "media"), media_lower="kept by update")
app.config.update(dict(UPLOAD_TMP="/tmp/" + SITE))
app.config.setdefault("UPLOAD_FOLDER", "never")
app.config.setdefault("UPLOAD_DIR", "{}/{}".format(ROOT, "dir"))
app.config["MEDIA_URL"] = app.config["UPLOAD_FOLDER"].replace(ROOT, "")
