import os

from flask import Flask

BASE = os.path.dirname(__file__)

app = Flask(__name__)
app.static_url_path = "/ui"  # too late: the rule already says /static
app.static_folder = os.path.join(BASE, "build")  # retargets /static/<f>
app.template_folder = "views"
