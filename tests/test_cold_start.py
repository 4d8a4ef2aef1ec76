"""`nglint check` on a clean vhost imports only what it uses: modules that cost cold-start
time and serve only other paths (plugins via importlib.metadata, fixes, suggestions, the
Flask reader) stay out. Run in a fresh interpreter; modules the interpreter's own startup
imported (site, .pth files) do not count."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

VHOST = """\
server {
    listen 80;
    server_name shop.example.com;
    location /static/ {
        alias /srv/shop/static/;
    }
    location / {
        proxy_pass http://127.0.0.1:8000;
    }
}
"""

CHILD = """\
import contextlib, io, json, sys
before = set(sys.modules)
from nglint.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "new": sorted(set(sys.modules) - before)}))
"""

# What each of them is for, and when it is allowed in.
NOT_ON_A_CLEAN_CHECK = {
    "importlib.metadata": "plugin discovery reads entry_points.txt directly",
    "email": "imported by importlib.metadata",
    "nglint.fix": "only when a fix is built or applied",
    "difflib": "only for --diff or a did-you-mean hint",
    "libcst": "only with a Flask app",
    "jinja2": "only with a Flask app",
    "yaml": "only with a compose file",
}


def test_clean_check_imports_only_what_it_uses(tmp_path: Path) -> None:
    (tmp_path / "site.conf").write_text(VHOST)
    (tmp_path / "nglint.toml").write_text("")
    proc = subprocess.run([sys.executable, "-c", CHILD, "check", "--config", "nglint.toml", "site.conf"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    assert "nglint.rules" in result["new"]  # the run did load the rules
    leaked = {m: why for m, why in NOT_ON_A_CLEAN_CHECK.items()
              if any(n == m or n.startswith(m + ".") for n in result["new"])}
    assert leaked == {}
