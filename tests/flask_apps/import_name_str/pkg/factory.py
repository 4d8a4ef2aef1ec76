from flask import Flask

by_string = Flask("pkg")
by_split = Flask(__name__.split(".")[0], static_folder="public")
by_module = Flask("pkg.factory", template_folder="tpl")
