import json

from flask import Flask

app = Flask(__name__)
app.config.from_pyfile("settings.cfg")
app.config.from_file("config.json", load=json.load)

inst = Flask(__name__, instance_relative_config=True)
inst.config.from_pyfile("config.py", silent=True)
inst.config.from_pyfile("missing.cfg", silent=True)
