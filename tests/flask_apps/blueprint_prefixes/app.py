from flask import Flask

from blog import blog
from docs import docs
from shop import shop

app = Flask(__name__)
# Register-time url_prefix replaces the constructor's "/blog".
app.register_blueprint(blog, url_prefix="/journal")
# No register-time prefix: the constructor's "/shop" stays.
app.register_blueprint(shop)
# A slash-less static_url_path works under a prefix: /r/rstat/<path:filename>.
app.register_blueprint(docs, url_prefix="/r")
