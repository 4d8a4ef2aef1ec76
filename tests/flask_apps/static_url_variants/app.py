from flask import Flask

root_slash = Flask(__name__, static_url_path="/")
trailing = Flask(__name__, static_url_path="/static/")
assets = Flask(__name__, static_folder="assets/", static_url_path="/public/")
build = Flask(__name__, static_folder="frontend/build")
