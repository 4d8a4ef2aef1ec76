from flask import Flask


class AssetsFlask(Flask):
    """Serves the built frontend unless told otherwise."""

    def __init__(self, import_name, **kwargs):
        kwargs.setdefault("static_folder", "frontend/dist")
        kwargs.setdefault("static_url_path", "/assets")
        super().__init__(import_name, **kwargs)


class PlainFlask(Flask):
    pass


app = AssetsFlask(__name__)
other = PlainFlask(__name__, "/o", "other_static")
override = AssetsFlask(__name__, static_folder="public")
