from flask import Blueprint, send_from_directory

pages = Blueprint("pages", __name__)
files = Blueprint("files", __name__, static_folder="assets")


@pages.get("/about")
async def about():
    return "about"


@files.get("/dl/<name>")
def download(name):
    return send_from_directory(files.root_path + "/downloads", name, as_attachment=True)
