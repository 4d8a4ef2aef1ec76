from flask import Flask

app = Flask(__name__, static_url_path="", static_folder="static")


@app.route("/")
def index():
    return app.send_static_file("index.html")


@app.route("/<path:path>")
def spa(path):
    # Never reached for any path: the static rule was added first and is identical.
    return app.send_static_file("index.html")
