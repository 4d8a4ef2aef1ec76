"""Filesystem trees for the filesystem rules' tests, written as text.

A spec lists one entry per line (`#` starts a comment, blank lines are skipped):

    /var/www/app/static/              755 root:root     a directory (trailing /)
    /var/www/app/static/app.css       640 deploy        a file (holds its own path)
    /var/www/app/media -> /srv/media                    a symlink (target as written)
    group deploy += www-data                            add members to a group

Mode (octal) and owner (`user` or `user:group`) are optional: directories default to
755, files to 644, everything to root:root; missing parents are made 755 root:root. Modes
are applied last, deepest first, so a 000 directory can still be filled. Owners are
names from a fixed user table that is also written as the tree's /etc/passwd and
/etc/group (so `user www-data;` resolves inside the tree exactly as on a Debian host):

    root 0, www-data 33, nginx 101, deploy 1000, app 1001, nobody 65534 (group nogroup);
    each user's group has the same name and id and no other members

A fixture `bad-x.conf` (or directory `bad-x/`) with a sibling `bad-x.fs` is linted with that
tree as `--fs-root`; a rule's `example_fs` spec serves its embedded examples. A rule's
`example_files` (relative path → text, such as a docker-compose.yml) are written to a
directory and its examples are linted as that directory's nginx.conf.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from nglint.route import FsView

USERS = {"root": (0, 0), "www-data": (33, 33), "nginx": (101, 101), "deploy": (1000, 1000), "app": (1001, 1001),
         "nobody": (65534, 65534)}
GROUPS = {"root": 0, "www-data": 33, "nginx": 101, "deploy": 1000, "app": 1001, "nogroup": 65534}


def _chown(p: Path, text: str) -> None:
    if os.geteuid() != 0:  # without root only the default owner (whoever runs the tests) works
        if text != "root":
            pytest.skip(f"setting the owner {text} needs root")
        return
    os.lchown(p, *_owner(text))


def _owner(text: str) -> tuple[int, int]:
    user, _, group = text.partition(":")
    uid, gid = USERS[user]
    return uid, GROUPS[group] if group else gid


def build(spec: str, root: Path) -> Path:
    """Create the tree of ``spec`` under ``root`` (which stands for `/`); returns ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    etc = root / "etc"
    etc.mkdir(exist_ok=True)
    (etc / "passwd").write_text("".join(f"{n}:x:{u}:{g}::/nonexistent:/usr/sbin/nologin\n"
                                        for n, (u, g) in USERS.items()))
    members: dict[str, list[str]] = {name: [] for name in GROUPS}
    modes: list[tuple[Path, int]] = []
    for raw in spec.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("group "):
            name, _, users = line[len("group "):].partition("+=")
            members[name.strip()].extend(u.strip() for u in users.split(",") if u.strip())
            continue
        if " -> " in line:
            path, _, rest = line.partition(" -> ")
            target, *extra = rest.split()
            p = root / path.strip().strip("/")
            p.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target, p)
            _chown(p, extra[-1] if extra else "root")
            continue
        path, *fields = line.split()
        mode = next((int(f, 8) for f in fields if f.isdigit()), None)
        owner = next((f for f in fields if not f.isdigit()), "root")
        p = root / path.strip("/")
        if path.endswith("/"):
            p.mkdir(parents=True, exist_ok=True)
        else:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(f"FILE {path}\n")
        _chown(p, owner)
        modes.append((p, mode if mode is not None else (0o755 if path.endswith("/") else 0o644)))
    (etc / "group").write_text("".join(f"{n}:x:{g}:{','.join(members[n])}\n" for n, g in GROUPS.items()))
    for p, mode in sorted(modes, key=lambda x: -len(x[0].parts)):
        os.chmod(p, mode)
    return root


_trees: dict[str, FsView] = {}
_dirs: dict[str, Path] = {}
_base: list[str] = []


def view_for(spec: str) -> FsView:
    """An FsView over the tree of ``spec``, built once per spec for the whole test run."""
    if spec not in _trees:
        if not _base:
            _base.append(tempfile.mkdtemp(prefix="nglint-fs-"))
            atexit.register(shutil.rmtree, _base[0], True)
        root = Path(_base[0]) / str(len(_trees))
        _trees[spec] = FsView(str(build(spec, root)))
    return _trees[spec]


def files_dir(files: dict[str, str]) -> Path:
    """A directory holding ``files`` (relative path → text), made once per set of files."""
    key = repr(sorted(files.items()))
    if key not in _dirs:
        if not _base:
            _base.append(tempfile.mkdtemp(prefix="nglint-fs-"))
            atexit.register(shutil.rmtree, _base[0], True)
        root = Path(_base[0]) / f"files{len(_dirs)}"
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        _dirs[key] = root
    return _dirs[key]


def companion(case_path: Path) -> Path | None:
    """The `.fs` spec beside a fixture case (`bad-x.conf` or `bad-x/` → `bad-x.fs`)."""
    stem = case_path.stem if case_path.is_file() else case_path.name
    spec = case_path.parent / f"{stem}.fs"
    return spec if spec.is_file() else None
