from flask import render_template, send_from_directory

from shop import app


@app.route("/")
def home():
    return render_template("home.html")


@app.route("/files/<path:name>")
def files(name):
    return send_from_directory(app.config["UPLOAD_FOLDER"], name)
