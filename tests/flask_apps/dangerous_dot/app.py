from flask import Flask

# Serves the project directory at the site root: GET /app.py answers 200.
exposed = Flask(__name__, static_folder=".", static_url_path="")
# Prefix "/.": clients normalise it away, so nothing is reachable.
dotted = Flask(__name__, static_folder=".")
# An empty folder also means the root_path itself.
empty = Flask(__name__, static_folder="")
