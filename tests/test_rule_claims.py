"""What the server-block and alias rules claim, checked on a running nginx.

Each scenario is one server block: the broken shape a rule reports, and the shape it
suggests. Real nginx serves both from the same files; the broken one must fail the way the
rule's message says (404, 301, a leaked file, another server answering) and the suggested
one must serve the file. The rule must flag the first and not the second.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from _nginx import Entry, Nginx, free_port, lay_out, main_conf, make_tmp, remove_tree, require_nginx, send

from nglint.engine import Project, find_rule, lint
from nglint.load import load_text


@dataclass(frozen=True)
class Claim:
    code: str
    server: str  # body of a server block; {W} is the web root, the port is added
    url: str
    status: int
    body: str | None = None  # expected start of the body (a laid-out file names itself)
    host: str = "app.test"
    flagged: bool = True


FILES = [Entry("static/app.css"), Entry("media/photo.jpg"), Entry("secret.txt"), Entry("dist/index.html"),
         Entry("static/maintenance.html")]
CLAIMS = [
    Claim("NGL001", "location /static/ { alias {W}/static; }", "/static/app.css", 404),
    Claim("NGL001", "location /static/ { alias {W}/static/; }", "/static/app.css", 200, "FILE /static/app.css",
          flagged=False),
    Claim("NGL001", "location /media { alias {W}/media/; }", "/media../secret.txt", 200, "FILE /secret.txt"),
    Claim("NGL001", "location /media/ { alias {W}/media/; }", "/media../secret.txt", 404, flagged=False),
    Claim("NGL002", "location /static/ { root {W}/static; }", "/static/app.css", 404),
    Claim("NGL002", "location /static/ { root {W}; }", "/static/app.css", 200, "FILE /static/app.css", flagged=False),
    Claim("NGL003", "location ~ ^/static/(.+)$ { alias {W}/static/; }", "/static/app.css", 301),
    Claim("NGL003", "location ~ ^/static/(.+)$ { alias {W}/static/$1; }", "/static/app.css", 200,
          "FILE /static/app.css", flagged=False),
    Claim("NGL004", "location ~ ^/static/(.+)$ { alias {W}/static/$1; try_files $uri =404; }", "/static/app.css", 404),
    Claim("NGL004", "location /static/ { alias {W}/static/; try_files $uri =404; }", "/static/app.css", 200,
          "FILE /static/app.css", flagged=False),
    Claim("NGL004", "location /static/ { alias {W}/static/; try_files /static/maintenance.html =404; }",
          "/static/app.css", 404),
    Claim("NGL004", "location /app/ { alias {W}/dist/; try_files $uri /app/index.html?$args; }", "/app/x", 404),
    Claim("NGL004", "location /app/ { alias {W}/dist/; try_files $uri /app/index.html; }", "/app/x", 200,
          "FILE /dist/index.html", flagged=False),
]
# Two servers on one port: which answers shows whether nginx ignored a block.
SERVER_CLAIMS = [
    # NGL006: the second block's name is ignored, the first answers for it.
    ("NGL006", ["server_name app.test; return 200 'first';", "server_name APP.test; return 200 'second';"],
     "app.test", "first"),
    # NGL005: a nameless block that is not the default never answers a Host.
    ("NGL005", ["server_name other.test; return 200 'default';", "return 200 'nameless';"], "app.test", "default"),
]


@pytest.fixture(scope="module")
def web() -> Iterator[Path]:
    require_nginx()
    tmp = make_tmp()
    lay_out(tmp / "www", FILES)
    yield tmp
    remove_tree(tmp)


def _flagged(code: str, text: str) -> bool:
    rule = find_rule(code)
    assert rule is not None
    config = load_text(text, "claim.conf")
    return any(d.code == code for d in lint(Project([config]), [rule]))


def _serve(web: Path, blocks: list[str]) -> tuple[Nginx, str]:
    port = free_port(("127.0.0.1",))
    ngx = web / f"ngx{port}"
    ngx.mkdir()
    servers = "\n".join(f"server {{ listen 127.0.0.1:{port}; {b} }}" for b in blocks)
    conf = ngx / "nginx.conf"
    conf.write_text(main_conf(servers, ngx, level="info"))
    return Nginx(conf, ngx, [f"127.0.0.1:{port}"]), f"127.0.0.1:{port}"


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: f"{c.code}-{c.url}-{c.status}")
def test_location_claim(claim: Claim, web: Path) -> None:
    block = claim.server.replace("{W}", str(web / "www"))
    assert _flagged(claim.code, f"server {{ listen 80; server_name {claim.host}; {block} }}") == claim.flagged
    nginx, addr = _serve(web, [f"server_name {claim.host}; {block}"])
    with nginx:
        resp = send(addr, claim.url, claim.host)
    assert resp.status == claim.status, resp.text
    if claim.body is not None:
        assert resp.text.startswith(claim.body)


@pytest.mark.parametrize("code, blocks, host, answer", SERVER_CLAIMS, ids=[c[0] for c in SERVER_CLAIMS])
def test_server_claim(code: str, blocks: list[str], host: str, answer: str, web: Path) -> None:
    assert _flagged(code, "\n".join(f"server {{ listen 80; {b} }}" for b in blocks))
    nginx, addr = _serve(web, blocks)
    with nginx:
        resp = send(addr, "/", host)
    assert (resp.status, resp.text) == (200, answer)
