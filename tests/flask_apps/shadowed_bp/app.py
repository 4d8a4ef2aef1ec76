from flask import Blueprint, Flask

app = Flask(__name__)

# Same URL as the app's static rule, added later: the app's folder answers.
reports = Blueprint("reports", __name__, static_folder="reports/static")
# A longer rule wins its subtree from the app's /static/<path:filename>.
results = Blueprint("results", __name__, static_folder="results/results_static",
                    static_url_path="/static/results")
# Same folder as the app: shadowed, but harmless.
same = Blueprint("same", __name__, static_folder="static")

for bp in (reports, results):
    app.register_blueprint(bp)
app.register_blueprint(same)
