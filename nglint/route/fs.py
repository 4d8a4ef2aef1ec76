"""A filesystem view for the route simulator: paths as nginx's worker sees them.

``FsView("/")`` is this machine; ``FsView(DIR)`` treats DIR as `/` (an image export, a
staging copy): absolute symlink targets stay inside DIR. Paths are walked component by
component like the kernel does (what `namei -l` shows), with the worker's identity:
`x` is needed on every directory traversed, `r` on what nginx opens. ``disable_symlinks``
is applied the way nginx opens paths with it (`O_NOFOLLOW` per component).
"""

from __future__ import annotations

import os
import stat
from typing import NamedTuple

MAX_SYMLINKS = 40  # the kernel's limit before ELOOP


class Identity(NamedTuple):
    user: str
    uid: int
    gids: frozenset[int]
    note: str = ""  # how it was resolved, or why it is a guess


class Probe(NamedTuple):
    """What nginx's open()/stat() of a path would give."""

    err: str | None  # None, "ENOENT", "ENOTDIR", "EACCES", "ELOOP", or "UNKNOWN"
    is_dir: bool = False
    is_file: bool = False
    detail: str = ""  # e.g. "no x permission on /srv/app for www-data"
    at: str = ""  # the path (as nginx sees it) of the component that decided the result

    @property
    def ok(self) -> bool:
        return self.err is None


class FsView:
    def __init__(self, root: str = "/") -> None:
        self.root = os.path.abspath(root)
        self._ids: dict[tuple[str, str | None], Identity] = {}

    def __repr__(self) -> str:
        return f"FsView({self.root!r})"

    def host_path(self, path: str) -> str:
        """Where the path nginx sees lives on this machine."""
        if self.root == "/":
            return path
        return self.root + ("/" + path.lstrip("/") if path.strip("/") else "")

    # -- identity ---------------------------------------------------------------
    def _table(self, name: str) -> list[list[str]]:
        """/etc/passwd or /etc/group of the view, else of this machine."""
        for path in dict.fromkeys((self.host_path(f"/etc/{name}"), f"/etc/{name}")):
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    return [line.rstrip("\n").split(":") for line in f if line.strip() and not line.startswith("#")]
            except OSError:
                continue
        return []

    def identity(self, user: str, group: str | None) -> Identity:
        """The worker's uid and groups (primary ``group`` plus the user's supplementary groups,
        as initgroups() gives them), from the view's /etc/passwd and /etc/group."""
        key = (user, group)
        if key in self._ids:
            return self._ids[key]
        passwd = {row[0]: row for row in self._table("passwd") if len(row) >= 4}
        groups = [row for row in self._table("group") if len(row) >= 3]
        note = ""
        if user in passwd:
            uid = int(passwd[user][2])
        elif user.isdigit():
            uid = int(user)
        else:
            uid, note = 65534, f"user {user} is not in {self.host_path('/etc/passwd')}; assumed uid 65534"
        gname = group or user
        gids = {int(row[2]) for row in groups if row[0] == gname and row[2].isdigit()}
        if not gids:
            gids = {int(passwd[user][3])} if user in passwd else {65534}
            note = note or f"group {gname} not found; used the user's primary group"
        gids |= {int(row[2]) for row in groups if len(row) >= 4 and user in row[3].split(",") and row[2].isdigit()}
        ident = Identity(user, uid, frozenset(gids), note)
        self._ids[key] = ident
        return ident

    def link(self, path: str) -> str | None:
        """The target of ``path`` as stored when it is a symlink (not resolved), else None."""
        try:
            return os.readlink(self.host_path(path))
        except OSError:
            return None

    def owner(self, st: os.stat_result) -> str:
        """`user:group` of a stat result, named from the view's passwd/group (ids when unknown)."""
        users = {row[2]: row[0] for row in self._table("passwd") if len(row) >= 3}
        groups = {row[2]: row[0] for row in self._table("group") if len(row) >= 3}
        return f"{users.get(str(st.st_uid), st.st_uid)}:{groups.get(str(st.st_gid), st.st_gid)}"

    # -- probing -------------------------------------------------------------------
    def _lstat(self, path: str) -> os.stat_result | str:
        try:
            return os.lstat(self.host_path(path))
        except FileNotFoundError:
            return "ENOENT"
        except NotADirectoryError:
            return "ENOTDIR"
        except PermissionError:
            return "UNKNOWN"  # nglint itself may not look here
        except OSError as e:
            return "ENAMETOOLONG" if e.errno == 36 else "UNKNOWN"

    @staticmethod
    def allowed(st: os.stat_result, ident: Identity, bit: int) -> bool:
        """Unix permission check for r (4), w (2) or x (1) without ACLs."""
        if ident.uid == 0:
            return bit != 1 or stat.S_ISDIR(st.st_mode) or bool(st.st_mode & 0o111)
        if st.st_uid == ident.uid:
            return bool(st.st_mode >> 6 & bit)
        if st.st_gid in ident.gids:
            return bool(st.st_mode >> 3 & bit)
        return bool(st.st_mode & bit)

    def probe(self, path: str, ident: Identity, *, read: bool, symlinks: str = "off",
              free_prefix: int = 0) -> Probe:
        """open(path, O_RDONLY) when ``read``, else stat(path), as ``ident``.

        ``symlinks`` is nginx's disable_symlinks (`off`, `on`, `if_not_owner`);
        ``free_prefix`` is the length of a leading part exempt from it (`from=`)."""
        if not path.startswith("/"):
            return Probe("ENOENT", detail=f"relative path {path}")
        trailing = len(path) > 1 and path.endswith("/")
        pending = self._components(path)
        cur, cur_st = "/", self._lstat("/")
        if isinstance(cur_st, str):
            return Probe(cur_st, detail="/", at="/")
        links = 0
        while pending:
            name, end = pending.pop(0)
            if not stat.S_ISDIR(cur_st.st_mode):
                return Probe("ENOTDIR", detail=f"{cur} is not a directory", at=cur)
            # the directory standing in for "/" is searchable, as the real root is
            if not self.allowed(cur_st, ident, 1) and not (cur == "/" and self.root != "/"):
                return Probe("EACCES", detail=f"no x permission on {cur} for {ident.user}", at=cur)
            if name == ".":
                continue
            if name == "..":
                cur = os.path.dirname(cur) or "/"
                cur_st = self._lstat(cur)
                if isinstance(cur_st, str):
                    return Probe(cur_st, detail=cur, at=cur)
                continue
            nxt = cur.rstrip("/") + "/" + name
            st = self._lstat(nxt)
            if isinstance(st, str):
                return Probe(st, detail=nxt, at=nxt)
            last = not pending
            if stat.S_ISLNK(st.st_mode):
                checked = end is not None and end > free_prefix
                if symlinks == "on" and checked:
                    # nginx opens each component with O_NOFOLLOW: a linked file gives ELOOP,
                    # a linked directory fails O_DIRECTORY with ENOTDIR
                    if last and not trailing:
                        return Probe("ELOOP", detail=f"{nxt} is a symlink (disable_symlinks on)", at=nxt)
                    return Probe("ENOTDIR", detail=f"{nxt} is a symlink (disable_symlinks on)", at=nxt)
                links += 1
                if links > MAX_SYMLINKS:
                    return Probe("ELOOP", detail=f"too many symlinks at {nxt}", at=nxt)
                try:
                    target = os.readlink(self.host_path(nxt))
                except OSError:
                    return Probe("UNKNOWN", detail=f"cannot read symlink {nxt}", at=nxt)
                if symlinks == "if_not_owner" and checked:
                    resolved = self._resolve_owner(nxt)
                    if resolved is not None and resolved != st.st_uid:
                        return Probe("ELOOP", detail=f"{nxt} and its target have different owners "
                                                     "(disable_symlinks if_not_owner)", at=nxt)
                if target.startswith("/"):
                    cur, cur_st = "/", self._lstat("/")
                    assert not isinstance(cur_st, str)
                # the link's own components are exempt from `from=` only if it is
                pending = [(c, end if checked else None) for c, _ in self._components(target)] + pending
                continue
            cur, cur_st = nxt, st
        if trailing and not stat.S_ISDIR(cur_st.st_mode):
            return Probe("ENOTDIR", detail=f"{cur} is not a directory", at=cur)
        if read and not self.allowed(cur_st, ident, 4):
            return Probe("EACCES", detail=f"no r permission on {cur} for {ident.user}", at=cur)
        return Probe(None, stat.S_ISDIR(cur_st.st_mode), stat.S_ISREG(cur_st.st_mode), detail=cur, at=cur)

    def realpath(self, path: str) -> str:
        """``path`` with symlinks resolved inside the view (nginx's `$realpath_root`)."""
        parts = [c for c, _ in self._components(path)]
        cur, seen = "/", 0
        while parts:
            name = parts.pop(0)
            if name == ".":
                continue
            if name == "..":
                cur = os.path.dirname(cur) or "/"
                continue
            nxt = cur.rstrip("/") + "/" + name
            st = self._lstat(nxt)
            if not isinstance(st, str) and stat.S_ISLNK(st.st_mode) and seen < MAX_SYMLINKS:
                seen += 1
                target = os.readlink(self.host_path(nxt))
                if target.startswith("/"):
                    cur = "/"
                parts = [c for c, _ in self._components(target)] + parts
                continue
            cur = nxt
        return cur

    @staticmethod
    def _components(path: str) -> list[tuple[str, int | None]]:
        """Non-empty components with the offset where each ends in ``path``."""
        out: list[tuple[str, int | None]] = []
        pos = 0
        for part in path.split("/"):
            pos += len(part) + 1
            if part:
                out.append((part, pos - 1))
        return out

    def _resolve_owner(self, path: str) -> int | None:
        """Owner uid of what ``path`` finally points to (no permission checks)."""
        seen = 0
        cur = path
        while seen <= MAX_SYMLINKS:
            st = self._lstat(cur)
            if isinstance(st, str):
                return None
            if not stat.S_ISLNK(st.st_mode):
                return st.st_uid
            target = os.readlink(self.host_path(cur))
            cur = target if target.startswith("/") else os.path.normpath(os.path.dirname(cur) + "/" + target)
            seen += 1
        return None
