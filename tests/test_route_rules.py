"""The route-based rules (NGL020-NGL023) on configs where many servers share one location
layout, as generated configs do: the rules decide their question once per layout, and each
server's findings must still name that server's own locations (file:line from the text)."""

from __future__ import annotations

import pytest

from nglint.engine import Project, all_rules, lint
from nglint.load import load_text
from nglint.route import compile_config

RULES = {r.code: r for r in all_rules()}


def _line(text: str, needle: str, nth: int) -> int:
    """1-based line of the nth (0-based) occurrence of ``needle`` in ``text``."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    return text.count("\n", 0, at) + 1


def test_servers_written_from_one_template_share_a_layout() -> None:
    text = """
server { listen 80; server_name a; location /static/ { alias /a/; } location ~ \\.css$ { root /a; } }
server { listen 80; server_name b; root /b;
         location /static/ { alias /b/; expires 1d; }
         location ~ \\.css$ { root /b; } }
server { listen 80; server_name c; location /static/ { proxy_pass http://x; } location ~ \\.css$ { } }
server { listen 80; server_name d; location /static/ { location ~ \\.css$ { } } }
server { listen 80; server_name e; location ~ \\.css$ { } location /static/ { } }
server { listen 80; server_name f; location ~* \\.css$ { } location /static/ { } }
"""
    a, b, c, d, e, f = compile_config(load_text(text, "t.conf")).servers
    assert a.layout == b.layout  # other settings and positions in the file do not matter
    # a 301 for /static (proxy_pass), nesting, order, modifier: each can change the search
    assert len({a.layout, c.layout, d.layout, e.layout, f.layout}) == 5


SERVER = """server {{
    listen 80;
    server_name s{i}.example;
    location /static/ {{ alias /srv/s{i}/static/; }}
    location ^~ /assets/ {{ root /srv/s{i}; }}
    location ~ ^/assets/.*\\.css$ {{ expires 30d; }}
    location ~* \\.(css|js|png)$ {{ root /srv/s{i}/public; expires 30d; }}
}}
"""


@pytest.mark.parametrize("code", ["NGL020", "NGL021"])
def test_findings_name_each_servers_own_locations(code: str) -> None:
    text = "".join(SERVER.format(i=i) for i in range(3))
    found = lint(Project([load_text(text, "t.conf")]), [RULES[code]])
    assert [d.code for d in found] == [code] * 3
    for i, d in enumerate(found):
        if code == "NGL020":  # the regex takes /static/app.css from location /static/
            assert d.line == _line(text, "location /static/", i)
            assert f"t.conf:{_line(text, 'location ~*', i)})" in d.message
            assert f"/srv/s{i}/public/static/app.css" in d.message  # the effect, from this server's root
            assert d.related[0].line == _line(text, "location ~*", i)
        else:  # the regex under ^~ /assets/ is dead
            assert d.line == _line(text, "location ~ ^/assets/", i)
            assert f"t.conf:{_line(text, 'location ^~ /assets/', i)})" in d.message
            assert d.related[0].line == _line(text, "location ^~ /assets/", i)
