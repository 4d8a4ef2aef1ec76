import os

from flask import Flask

HERE = os.path.dirname(os.path.abspath(__file__))

app = Flask(__name__, static_folder="../web/dist", template_folder=os.path.join(HERE, "..", "web", "templates"))
