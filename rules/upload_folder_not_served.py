"""NGL032: uploads are written to a directory nginx does not serve at the upload URLs."""

from __future__ import annotations

import posixpath
from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.rule import Rule, RuleContext
from nglint.rules._crosscheck import crosscheck, mapping_directive, nginx_where, report_nginx, under

SAMPLE = "photo.jpg"
# Last URL segment of locations that serve uploads when the app has no route for them.
UPLOAD_NAMES = frozenset({"media", "uploads", "upload", "user-uploads", "usermedia"})


class UploadFolderNotServed(Rule):
    """
    ## What it does
    Takes the app's upload folder (`UPLOAD_FOLDER`, `MEDIA_ROOT`, `UPLOADED_*_DEST`, ...:
    where `file.save()` writes) and checks that nginx serves uploaded files from it:
    - at the URL of the app's own upload route (`send_from_directory(UPLOAD_FOLDER, ...)`
      at `/media/<path:filename>`), nginx must open the same file the app would send;
    - without such a route, the directory of a `location /media/` (or `/uploads/`) must
      contain the upload folder.

    Relative folders are compared by their tail only (they depend on the server's working
    directory); unknown values (an environment variable without default) are skipped
    with a note.

    ## Why is this bad?
    The app saves `/var/www/yourapp/uploads/cat.jpg` while nginx looks in
    `/var/www/yourapp/media/`: the upload succeeds, the page links `/media/cat.jpg`, and
    nginx answers 404. Flask's own route would have found the file, but nginx takes the
    `/media/` requests first.

    ## Example
    ```python
    app.config["UPLOAD_FOLDER"] = "/var/www/yourapp/uploads"
    ```
    ```nginx
    location /media/ { alias /var/www/yourapp/media/; }
    ```
    Use instead:
    ```nginx
    location /media/ { alias /var/www/yourapp/uploads/; }
    ```

    ## Fix safety
    No automatic fix: moving either directory is a deployment decision.
    """

    code = "NGL032"
    name = "upload-folder-not-served"
    severity = Severity.ERROR
    needs_app = True
    example_app = {
        "app.py": ("import os\nfrom flask import Flask, send_from_directory\n\n"
                   "app = Flask(__name__)\n"
                   "app.config['UPLOAD_FOLDER'] = '/var/www/yourapp/uploads'\n\n\n"
                   "@app.route('/media/<path:filename>')\n"
                   "def media(filename):\n"
                   "    return send_from_directory(app.config['UPLOAD_FOLDER'], filename)\n"),
    }
    bad = [
        ("server {\n    listen 80;\n    server_name example.com;\n"
         "    location /media/ { alias /var/www/yourapp/media/; }\n"
         "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n", None),
    ]
    good = [
        "server {\n    listen 80;\n    server_name example.com;\n"
        "    location /media/ { alias /var/www/yourapp/uploads/; }\n"
        "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n",
        # The app's route answers /media/ itself.
        "server {\n    listen 80;\n    server_name example.com;\n"
        "    location / { proxy_pass http://127.0.0.1:8000; }\n}\n",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        cx = crosscheck(ctx)
        if cx is None:
            return
        for app in cx.model.apps:
            key = app.upload_folder_key
            cv = app.upload_config.get(key) if key else None
            if key is None or cv is None:
                continue
            written = cv.save_path or cv.serve_path or app.upload_folder
            base = cv.save_base if cv.save_path else (cv.serve_base or app.upload_folder_base)
            if written is None or cv.status == "unknown":
                cx.note_unknown(app, key, "the upload folder check")
                continue
            at = cv.set_at or f"{cv.file}:{cv.line}"
            default_of = f", the default of {', '.join('$' + e for e in cv.env)}" if cv.env else ""
            source = f"({key}{default_of}, {cx.where(at)})"
            related = cx.related(at, f"{key} = {written!r}")
            routes = [fr for fr in app.file_routes if fr.via == "send_from_directory" and fr.url_prefix
                      and fr.url_prefix.endswith("/") and not fr.parametrized
                      and (fr.config_key == key or fr.directory in (cv.serve_path, written))]
            if routes:
                for fr in routes:
                    url = fr.url_prefix + SAMPLE
                    for _srv, r in cx.routes(url):
                        if r.action != "file" or not r.fs_path:
                            continue
                        verdict = cx.compare(r.fs_path, posixpath.join(written, SAMPLE), base)
                        if verdict.same is None and not verdict.tail_only:
                            cx.note_no_root("the upload folder check")
                        if verdict.same is not False:
                            continue
                        d = mapping_directive(r)
                        if d is None:
                            continue
                        route_at = f"{fr.file}:{fr.line}" if fr.file else None
                        opened = posixpath.normpath(r.fs_path)
                        yield report_nginx(self, d, (
                            f"uploads are saved to `{written}` {source} but nginx maps `{url}` to `{opened}` "
                            f"({nginx_where(d)}); the app's `{fr.url_prefix}` route ({cx.where(route_at)}) is "
                            f"never reached, so uploaded files answer 404"),
                            related + cx.related(route_at, f"the app's route for {fr.url_prefix}"))
                continue
            host = cx.deploy.host(written, base)
            for srv in cx.servers:
                for loc in srv.all_locations():
                    m = loc.match
                    if not m.is_prefix or not m.pattern.endswith("/") or \
                            m.pattern.strip("/").rsplit("/", 1)[-1] not in UPLOAD_NAMES:
                        continue
                    r = cx.route(srv, m.pattern + SAMPLE)
                    if r is None or r.action != "file" or not r.fs_path or r.location is not loc:
                        continue
                    if host is None:
                        if base == "cwd":
                            cx.note(f"{key} `{written}` ({cx.where(at)}) is relative to the server's working "
                                    "directory (deployment-dependent): the upload folder check skipped it")
                        else:
                            cx.note_no_root("the upload folder check")
                        continue
                    served = posixpath.dirname(posixpath.normpath(r.fs_path))
                    if under(host, served):
                        continue
                    d = mapping_directive(r)
                    if d is None:
                        continue
                    yield report_nginx(self, d, (
                        f"uploads are saved to `{host}` {source} but nginx serves `{m.pattern}` from `{served}` "
                        f"({nginx_where(d)}), so uploaded files answer 404"
                        f"{cx.deploy.tag() if host != written else ''}"), related)
