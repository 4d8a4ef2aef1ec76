import os
from pathlib import Path

from flask import Flask

import settings
from blueprints import files, pages

basedir = Path(__file__).parent

application = app = Flask(__name__, static_folder=basedir / "frontend" / "dist", static_url_path="/")
app.config.from_object(f"settings.{settings.ENV.capitalize()}Config")
app.config["MEDIA_ROOT"] = os.path.join(app.root_path, "static", "media")
os.makedirs(app.config["UPLOAD_FOLDER"], exist_ok=True)

for bp, prefix in ((pages, None), (files, "/files")):
    app.register_blueprint(bp, url_prefix=prefix)

with app.app_context():
    pass

try:
    from local_settings import *  # noqa: F401,F403
except ImportError:
    pass


@app.route("/media/<path:filename>", methods=["GET"])
def media(filename):
    from flask import send_from_directory

    return send_from_directory(app.config["MEDIA_ROOT"], filename)


if __name__ == "__main__":
    app.run(debug=True)
