from flask import Flask

app = Flask(__name__, static_folder=None, static_url_path="/x")
second = Flask("second", static_folder=None)
