from __future__ import annotations

from typing import Iterator

from nglint.diagnostics import Diagnostic, Severity
from nglint.route import CompiledServer, Loc, compile_config, simulate
from nglint.rule import Rule, RuleContext, related_at
from nglint.rules._route import looks_static, samples, serves_files

_NO_NAME = ("", "_")


class StaticReachesApp(Rule):
    """
    ## What it does
    Flags a server block that passes static or media URLs (`/static/app.css`,
    `/media/uploads/example.jpg`, ...) to the application with `proxy_pass` (or
    `uwsgi_pass`, `fastcgi_pass`, ...) while another server block for the same domain
    has the location that should serve them from disk. The route
    simulator follows the sample URL through the server that really handles it.

    ## Why is this bad?
    The static location was written into the wrong server block: typically the port 80
    block that only redirects to HTTPS, while the `listen 443` block that answers the
    browser just proxies everything to gunicorn; or an old vhost next to the new one.
    The app then answers the asset URLs itself, usually with 404 in production, and edits
    to the `location /static/` block change nothing: the guide's "wrong server block is
    active" cause.

    ## Example
    ```nginx
    server {
        listen 80;
        server_name example.com;
        location /static/ { alias /var/www/yourapp/static/; }
        location / { return 301 https://$host$request_uri; }
    }
    server {
        listen 443 ssl;
        server_name example.com;
        ssl_certificate /etc/ssl/example.pem;
        ssl_certificate_key /etc/ssl/example.key;
        location / { proxy_pass http://unix:/run/gunicorn.sock; }
    }
    ```
    Use instead:
    ```nginx
    server {
        listen 80;
        server_name example.com;
        location / { return 301 https://$host$request_uri; }
    }
    server {
        listen 443 ssl;
        server_name example.com;
        ssl_certificate /etc/ssl/example.pem;
        ssl_certificate_key /etc/ssl/example.key;
        location /static/ { alias /var/www/yourapp/static/; }
        location / { proxy_pass http://unix:/run/gunicorn.sock; }
    }
    ```

    ## Fix safety
    No automatic fix: moving (or copying) the location into the server block that handles
    the domain is the remedy, but which block is the live one is a deployment decision.
    """

    code = "NGL023"
    name = "static-reaches-app"
    severity = Severity.WARNING
    message = ("`{url}` is passed to `{upstream}` by `{handler}` in server {server}: this server has no location "
               "serving `{prefix}`, but `location {prefix}` in server {other} ({other_at}) does")
    bad = [
        ("server { listen 80; server_name example.com; location /static/ { alias /srv/static/; }\n"
         "  location / { return 301 https://$host$request_uri; } }\n"
         "server { listen 8443; server_name example.com; location / { proxy_pass http://127.0.0.1:8000; } }", None),
    ]
    good = [
        "server { listen 80; server_name example.com; location / { return 301 https://$host$request_uri; } }\n"
        "server { listen 8443; server_name example.com; location /static/ { alias /srv/static/; }\n"
        "  location / { proxy_pass http://127.0.0.1:8000; } }",
        "server { listen 80; server_name a.example; location /static/ { alias /srv/a/; } }\n"
        "server { listen 80; server_name b.example; location / { proxy_pass http://127.0.0.1:8001; } }",
        "server { listen 80; server_name example.com; location /static/ { alias /srv/static/; } }\n"
        "server { listen 8443; server_name example.com; location / { try_files $uri @app; }\n"
        "  location @app { proxy_pass http://127.0.0.1:8000; } }",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        cc = compile_config(ctx.config)
        # Only a name two server blocks share can send a URL to the "other" block, so the
        # static locations of the rest are never looked at.
        holders: dict[str, list[CompiledServer]] = {}
        for s in cc.servers:
            for name in {n for n in s.names if n not in _NO_NAME}:
                holders.setdefault(name, []).append(s)
        statics: dict[int, list[Loc]] = {}
        by_name: dict[str, list[tuple[CompiledServer, Loc]]] = {}
        for name, servers in holders.items():
            if len(servers) < 2:
                continue
            for s in servers:
                found = statics.get(s.index)
                if found is None:
                    found = statics[s.index] = [
                        loc for loc in s.all_locations()
                        if loc.match.is_prefix and looks_static(loc.match.pattern) and serves_files(loc)]
                by_name.setdefault(name, []).extend((s, loc) for loc in found)
        if not by_name:
            return
        reported: set[tuple[int, str]] = set()
        for server in cc.servers:
            for owner, loc in _same_site(server, by_name):
                prefix = loc.match.pattern
                if (server.index, prefix) in reported or _serves(server, prefix):
                    continue
                url = samples(prefix)[0]
                r = simulate(cc, server, url)
                if r.action != "proxy" or r.try_files or r.handler is None:
                    continue
                reported.add((server.index, prefix))
                anchor = r.location.directive if r.location is not None else server.directive
                yield self.report(anchor, url=url, upstream=r.upstream, handler=r.handler.name,
                                  server=server.label, prefix=prefix, other=owner.label,
                                  other_at=loc.directive.location,
                                  related=[related_at(loc.directive, "the location that should serve it")])


def _same_site(server: CompiledServer, by_name: dict[str, list[tuple[CompiledServer, Loc]]]
               ) -> Iterator[tuple[CompiledServer, Loc]]:
    """Static locations of the other server blocks that share a server name with ``server``."""
    seen: set[int] = set()
    for name in server.names:
        for owner, loc in by_name.get(name, ()) if name not in _NO_NAME else ():
            if owner is not server and id(loc) not in seen:
                seen.add(id(loc))
                yield owner, loc


def _serves(server: CompiledServer, prefix: str) -> bool:
    return any(loc.match.is_prefix and loc.match.pattern == prefix and serves_files(loc)
               for loc in server.all_locations())
