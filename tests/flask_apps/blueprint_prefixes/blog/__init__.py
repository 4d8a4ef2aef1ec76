from flask import Blueprint

blog = Blueprint("blog", __name__, static_folder="static", url_prefix="/blog")


@blog.route("/<slug>")
def post(slug):
    return slug
