import os

from flask import Flask

app = Flask("my-site", static_folder=os.environ["STATIC_DIR"])
app.config["UPLOAD_FOLDER"] = "uploads"
app.config.from_envvar("APP_SETTINGS", silent=True)
app.config.from_prefixed_env()

rel = Flask(__name__, root_path="srv")
