"""Build effective configuration trees from files, stdin and `nginx -T` dumps.

nginx semantics (NGINX.md §9): a relative `include` resolves against the directory of the
main config file, never the including file; globs expand in sorted order and may match
nothing, while a missing plain file is an error; the included text is parsed in the
including context. A file included twice is parsed once and placed twice.

Repos hold configs written for the host: `include /etc/nginx/conf.d/*.conf;` points at the
deployed location. Unless the config being read *is* the host's (it lives under the conf
root), such paths are read from the main config's directory instead — the repo's `nginx/`
stands for `/etc/nginx` — and the mapping is noted at info level.
"""

from __future__ import annotations

import fnmatch
import functools
import glob
import os
import re
from pathlib import Path
from typing import Iterator

from nglint._gc import gc_paused
from nglint.load.parser import ParseError, parse_file
from nglint.load.tree import Comment, Directive, Node, SourceFile, new_directive

# nginx's compiled-in default prefix on Debian; relative root/alias/log paths hang off it.
DEFAULT_PREFIX = Path("/usr/share/nginx")
DEFAULT_CONF_ROOT = "/etc/nginx"

# Files nginx installs beside nginx.conf (by name, wherever the build puts them), directories
# the Debian package provides, and files other packages put on the host: repos rarely
# carry them, and their absence there is no finding.
PACKAGED_INCLUDES = frozenset({"mime.types", "fastcgi_params", "fastcgi.conf", "proxy_params", "uwsgi_params",
                               "scgi_params", "koi-utf", "koi-win", "win-utf"})
PACKAGED_DIRS = ("snippets/", "modules-enabled/")
HOST_PROVIDED = frozenset({"/etc/letsencrypt/options-ssl-nginx.conf"})
# A snippet in a directory of this name sits one level below the directory of nginx.conf.
CONF_SUBDIRS = frozenset({"sites-enabled", "sites-available", "conf.d", "vhosts", "vhosts.d", "vhost.d",
                          "snippets", "http.d", "servers", "includes", "stream.d"})
# An include argument that a template engine fills in later (envsubst, Jinja, ERB, Go...).
_TEMPLATE = re.compile(r"\$|\{\{|\{%|<%|@[A-Z_]+@")  # nginx never expands variables in include

# Jinja/Go/Liquid (`{{ }}`, `{% %}`), ERB/etlua (`<% %>`): nginx cannot read these unrendered.
_TEMPLATE_FILE = re.compile(rb"\{\{|\{%|<%")

_DUMP = re.compile(rb"^(?:nginx: [^\n]*\n)*(?=# configuration file )")
_DUMP_HEADER = re.compile(rb"^# configuration file (.+):\r?\n", re.M)


class LoadIssue:
    """Something the loader found: fatal issues (syntax, I/O, encoding) make the run exit 2."""

    __slots__ = ("kind", "message", "file", "path", "offset", "end", "fatal", "severity")

    def __init__(self, kind: str, message: str, file: SourceFile | None = None, path: str | None = None,
                 offset: int | None = None, end: int | None = None, fatal: bool = False,
                 severity: str = "error") -> None:
        self.kind = kind  # kebab-case id: syntax-error, include-not-found, include-cycle, unreadable, ...
        self.message = message
        self.file = file
        self.path = path  # when there is no SourceFile (unreadable or binary entry file)
        self.offset = offset
        self.end = end  # end of the span the issue is about (the include argument)
        self.fatal = fatal
        self.severity = severity  # error | warning | info

    def __repr__(self) -> str:
        return f"LoadIssue({self.kind!r}, {str(self)!r}, fatal={self.fatal})"

    def where(self) -> str:
        name = self.file.display if self.file else (self.path or "-")
        if self.file is not None and self.offset is not None:
            line, col = self.file.line_col(self.offset)
            return f"{name}:{line}:{col}"
        return name

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"


class LoadError(Exception):
    """Raised only for problems that stop loading altogether (e.g. a missing entry path)."""


class Config:
    """One effective configuration: what nginx would load from one entry point."""

    def __init__(self, main: SourceFile, nodes: list[Node], context: str, prefix: Path, conf_dir: Path,
                 files: dict[str, SourceFile] | None = None, issues: list[LoadIssue] | None = None,
                 standalone: bool = False, dump: bool = False, unmatched_includes: list[str] | None = None) -> None:
        self.main = main
        self.nodes = nodes
        # Context of the top level: "main" (nginx.conf), "http" (vhosts, http-level snippets and,
        # wrapped in a synthetic server, location snippets), "location" (a snippet of location
        # directives such as `alias` or `proxy_pass`) or "stream" (stream server blocks).
        self.context = context
        self.prefix = prefix
        self.conf_dir = conf_dir
        self.files = {} if files is None else files
        self.issues = [] if issues is None else issues
        self.standalone = standalone  # a snippet linted without the nginx.conf that includes it
        self.dump = dump  # loaded from an `nginx -T` dump
        # Include globs that matched no file here (a directory the deployment fills), absolute.
        self.unmatched_includes = [] if unmatched_includes is None else unmatched_includes

    def __repr__(self) -> str:
        return f"Config({self.main.display!r}, context={self.context!r}, files={len(self.files)})"

    @property
    def fatal(self) -> list[LoadIssue]:
        return [i for i in self.issues if i.fatal]

    def walk(self) -> Iterator[Directive]:
        for node in self.nodes:
            if isinstance(node, Directive):
                yield from node.walk()

    def top(self, name: str) -> Iterator[Directive]:
        for node in self.nodes:
            if isinstance(node, Directive) and node.name == name:
                yield node

    def http_blocks(self) -> list[Directive]:
        return list(self.top("http")) if self.context == "main" else []

    def servers(self) -> list[Directive]:
        """Every http `server` block in load order (stream/mail servers excluded)."""
        if self.context == "main":
            return [d for http in self.http_blocks() for d in http.directives("server")]
        if self.context == "http":
            return list(self.top("server"))
        return []

    def main_directive(self, name: str) -> Directive | None:
        return next(self.top(name), None) if self.context == "main" else None


# -- reading files ------------------------------------------------------------------------

def read_source(path: Path, display: str | None = None) -> tuple[SourceFile | None, LoadIssue | None]:
    """A file from disk (see ``decode_source``); an OS error becomes a fatal issue."""
    try:
        data = path.read_bytes()
    except OSError as e:
        return None, LoadIssue("unreadable", f"cannot read: {_reason(e)}", path=display or str(path), fatal=True)
    return decode_source(path, data, display)


def decode_source(path: Path, data: bytes, display: str | None = None) -> tuple[SourceFile | None, LoadIssue | None]:
    """Bytes → SourceFile. Binary data gives no file; bytes that are not UTF-8 are shown as
    U+FFFD (byte offsets stay exact) and give a fatal issue at the first of them."""
    name = display or str(path)
    nul = data.find(b"\x00", 0, 8192)
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        col = nul - data.rfind(b"\n", 0, nul)
        return None, LoadIssue("not-text", f"binary data (NUL byte at line {line}, column {col}), "
                                           "not an nginx config", path=name, fatal=True)
    try:
        return SourceFile(path, data, data.decode("utf-8"), name), None
    except UnicodeDecodeError as e:
        bad = e.start
    escaped = data.decode("utf-8", "surrogateescape")  # one lone surrogate per invalid byte
    offsets, b = [], 0
    for ch in escaped:
        offsets.append(b)
        b += 1 if "\udc80" <= ch <= "\udcff" else len(ch.encode("utf-8"))
    offsets.append(b)
    text = re.sub("[\udc80-\udcff]", "\ufffd", escaped)
    src = SourceFile(path, data, text, name, byte_offsets=offsets)
    return src, LoadIssue("not-utf8", f"byte 0x{data[bad]:02x} is not valid UTF-8 (nginx reads bytes; "
                                      "nglint needs UTF-8 text)", file=src, offset=bad, fatal=True)


def _reason(e: OSError) -> str:
    return e.strerror or type(e).__name__


# -- context guessing ---------------------------------------------------------------------

@functools.cache
def _markers() -> dict[str, frozenset[str]]:
    """Directive names that give away the context of a snippet, from crossplane's tables."""
    from crossplane import analyzer as a

    main, srv, sif = a.NGX_HTTP_MAIN_CONF, a.NGX_HTTP_SRV_CONF, a.NGX_HTTP_SIF_CONF
    loc = a.NGX_HTTP_LOC_CONF | a.NGX_HTTP_LIF_CONF | a.NGX_HTTP_LMT_CONF
    out: dict[str, set[str]] = {"main": set(), "server": {"location"}, "not-http": set(), "location": set(),
                                "location-if": set(), "stream": set()}
    for name, masks in a.DIRECTIVES.items():
        where = 0
        for mask in masks:
            where |= mask
        contexts = where & ~0xFFFF  # the low bits count arguments
        if not contexts & ~(a.NGX_MAIN_CONF | a.NGX_DIRECT_CONF):
            out["main"].add(name)  # http, events, user, worker_processes, ...
        if where & srv and not where & (main | loc):
            out["server"].add(name)  # listen, server_name, ...
        if where & (srv | sif | loc) and not where & main:
            out["not-http"].add(name)  # if, return, rewrite, set, try_files, ...
        if where & loc and not where & (main | srv | sif):
            out["location"].add(name)  # alias, proxy_pass, internal, ...
        if where & a.NGX_HTTP_LIF_CONF and not where & sif:
            out["location-if"].add(name)  # add_header, proxy_pass, ... inside `if`
        if where & a.NGX_STREAM_SRV_CONF and not where & srv:
            out["stream"].add(name)  # proxy_pass directly in a server: a stream server
    return {k: frozenset(v) for k, v in out.items()}


def guess_context(nodes: list[Node]) -> str:
    """The context a file's top level was written for: main, http, server, location or
    stream. Where several fit (`return` is fine in server and location), the outer one."""
    marks = _markers()
    top = [n for n in nodes if isinstance(n, Directive)]
    names = {d.name for d in top}
    if names & marks["main"]:
        return "main"
    servers = [d for d in top if d.name == "server" and d.block is not None]
    if servers:
        inner = {c.name for s in servers for c in s.directives()}
        if inner & marks["stream"] and not inner & {"location", "server_name", "root"}:
            return "stream"
        return "http"
    if names & marks["server"]:
        return "server"
    in_ifs = {c.name for d in top if d.name == "if" for c in d.directives()}
    if names & marks["location"] or in_ifs & marks["location-if"]:
        return "location"
    if names & marks["not-http"]:
        return "server"
    return "http"


def _guess_conf_dir(path: Path) -> Path:
    """Where nginx.conf sits for a snippet at ``path``: relative includes resolve there."""
    for d in (path.parent, path.parent.parent):
        if (d / "nginx.conf").is_file():
            return d
    return path.parent.parent if path.parent.name in CONF_SUBDIRS else path.parent


# -- the loader ---------------------------------------------------------------------------

def _copy(nodes: list[Node], parent: Directive | None, includes: list[tuple[Directive, int]]) -> list[Node]:
    """Fresh nodes for another place of an included file, with ``parent`` above them; the
    `include` directives among them go to ``includes`` as parse_file reports them."""
    out: list[Node] = []
    for node in nodes:
        if isinstance(node, Comment):
            out.append(Comment(node.text, node.file, node.start, node.end, parent))
            continue
        copy = new_directive(node.name, node.args, node.file, node.start, node.end, node.name_end, parent)
        if node.block is not None:
            copy.block = copy.children = _copy(node.block, copy, includes)
            copy.block_start, copy.block_end = node.block_start, node.block_end
        elif node.name == "include":
            includes.append((copy, len(out)))
        out.append(copy)
    return out


class _Loader:
    def __init__(self, *, prefix: str | Path | None, conf_root: str | None, overlay: dict[str, bytes] | None,
                 virtual: dict[str, bytes] | None = None, disk: bool = True) -> None:
        self.prefix = Path(prefix) if prefix else DEFAULT_PREFIX
        self.conf_root = (conf_root or DEFAULT_CONF_ROOT).rstrip("/") or "/"
        self.overlay = overlay or {}  # path → bytes that replace a file's content (fix passes)
        self.virtual = virtual or {}  # path → bytes of files that exist only here (stdin, dumps)
        self.disk = disk  # False for a dump: the files are the server's, not this machine's
        self.conf_dir = Path.cwd()
        self.search_dirs: list[Path] = []  # where relative includes are looked up
        self.map_conf_root = False
        self.parsed: dict[str, tuple[SourceFile | None, list[Node] | None]] = {}
        self.includes: dict[str, list[tuple[Directive, int]]] = {}  # file → its includes (see parse_file)
        self.placed: set[str] = set()
        self.files: dict[str, SourceFile] = {}
        self.issues: list[LoadIssue] = []
        self.unmatched: list[str] = []
        self.mapping_noted = False
        # include argument → resolve()'s answer: generated configs include the same snippet
        # thousands of times, and each lookup costs path joins and a stat per directory.
        self.resolved: dict[str, tuple[list[str], str, str | None]] = {}
        self.ints: list[int] = []  # one int object per span offset value (see parse_file)

    def enter(self, key: str, conf_dir: Path, main_config: bool) -> None:
        """Set nginx's conf dir for the entry file ``key``. A snippet (not a main config)
        also finds relative includes beside itself, since its nginx.conf is a guess."""
        self.conf_dir = conf_dir
        self.search_dirs = [conf_dir]
        own = Path(key).parent
        if not main_config and own != conf_dir:
            self.search_dirs.append(own)
        root = self.conf_root + "/"
        self.map_conf_root = self.disk and not key.startswith(root)
        self.resolved.clear()  # answers depend on the directories set here

    # -- files ------------------------------------------------------------------------
    def read(self, key: str, display: str | None = None,
             via: Directive | None = None) -> tuple[SourceFile | None, list[Node] | None]:
        """Parse file ``key`` once; problems become issues (at the include ``via`` if any)."""
        if key in self.parsed:
            return self.parsed[key]
        display = display or self.display(key)
        data = self.overlay.get(key, self.virtual.get(key))
        src = nodes = issue = None
        if data is None:
            try:
                data = Path(key).read_bytes()
            except OSError as e:
                issue = LoadIssue("unreadable", f"cannot read: {_reason(e)}", path=display, fatal=True)
        if data is not None:
            src, issue = decode_source(Path(key), data, display)
        if issue is not None:
            if via is not None and issue.file is None:  # point at the include line instead
                issue.file, issue.offset, issue.path = via.file, via.args[0].start, None
                issue.message = f"{display}: {issue.message}"
            self.issues.append(issue)
        if src is not None:
            self.files[key] = src
            try:
                nodes = parse_file(src, self.ints, self.includes.setdefault(key, []))
            except ParseError as e:
                message = e.message
                if _TEMPLATE_FILE.search(src.data):
                    message += " (this looks like a template: lint the rendered config)"
                self.issues.append(LoadIssue("syntax-error", message, file=src, offset=e.offset, fatal=True))
        self.parsed[key] = (src, nodes)
        return src, nodes

    def is_file(self, path: str) -> bool:
        return path in self.overlay or path in self.virtual or (self.disk and os.path.isfile(path))

    def glob(self, pattern: str) -> list[str]:
        found = {p for p in self.virtual if _glob_match(pattern, p)}
        if self.disk:
            found.update(os.path.normpath(p) for p in glob.glob(pattern) if os.path.isfile(p))
        return sorted(found)

    def display(self, path: str) -> str:
        if not self.disk:
            return path
        rel = os.path.relpath(path)
        return path if rel.startswith("..") else rel

    # -- includes -----------------------------------------------------------------------
    def resolve(self, pattern: str) -> tuple[list[str], str, str | None]:
        """(files matched in order, the path looked at, the part below the conf root when an
        absolute host path was mapped onto the conf dir). Looked up once per pattern."""
        found = self.resolved.get(pattern)
        if found is None:
            found = self.resolved[pattern] = self._resolve(pattern)
        return found

    def _resolve(self, pattern: str) -> tuple[list[str], str, str | None]:
        magic = glob.has_magic(pattern)
        below = None
        if os.path.isabs(pattern):
            looks = [pattern]
            if self.map_conf_root and pattern.startswith(self.conf_root + "/"):
                below = pattern[len(self.conf_root) + 1:]
                looks = [str(d / below) for d in self.search_dirs]
        else:
            looks = [str(d / pattern) for d in self.search_dirs]
        # One spelling per file (`./a.conf` is `a.conf`): files are keyed by path, and fix
        # passes hand edited bytes back by that key.
        looks = [os.path.normpath(look) for look in looks]
        for look in looks:
            found = self.glob(look) if magic else ([look] if self.is_file(look) else [])
            if found:
                return found, look, below
        return [], looks[0], below

    def include(self, directive: Directive, parent: Directive | None, chain: tuple[str, ...]) -> list[Node]:
        """The nodes an `include` brings in at its place (already expanded)."""
        if len(directive.args) != 1:
            return []  # NGL009 reports the argument count
        arg = directive.args[0]
        pattern = arg.value
        if _TEMPLATE.search(pattern):
            return []  # filled in by a template engine at deploy time
        paths, looked, below = self.resolve(pattern)
        if not paths:
            if glob.has_magic(pattern):
                self.unmatched.append(looked)  # nginx accepts a glob that matches nothing
            else:
                self.missing(directive, pattern, looked, below)
            return []
        if below is not None and not self.mapping_noted:
            self.mapping_noted = True
            self.issues.append(LoadIssue(
                "include-mapped", f"{self.conf_root}/ paths are read from {self.display(str(self.conf_dir))}/ "
                f"(the host's {self.conf_root}; set --conf-root if it is elsewhere)",
                file=directive.file, offset=arg.start, severity="info"))
        out: list[Node] = []
        included: list[SourceFile] = []
        for path in paths:
            if path in chain:
                cycle = " -> ".join(self.display(p) for p in chain[chain.index(path):] + (path,))
                self.issues.append(LoadIssue("include-cycle", f"include cycle: {cycle}", file=directive.file,
                                             offset=arg.start, fatal=True))
                continue
            src, nodes = self.read(path, via=directive)
            if src is None or nodes is None:
                continue
            included.append(src)
            out.extend(self.place(path, nodes, parent, chain + (path,)))
        if included:
            directive.included = included
        return out

    def missing(self, directive: Directive, pattern: str, looked: str, below: str | None) -> None:
        rel = below if below is not None else (None if os.path.isabs(pattern) else pattern)
        packaged = os.path.basename(pattern) in PACKAGED_INCLUDES or \
            (rel is not None and rel.startswith(PACKAGED_DIRS)) or (self.map_conf_root and pattern in HOST_PROVIDED)
        shown = self.display(looked)
        where = "" if shown == pattern else f" (looked for {shown})"
        if packaged:
            message = f"included file {pattern} is not here{where}; it is installed on the host by a package"
        else:
            message = f"included file {pattern} does not exist{where}"
            beside = Path(directive.file.path).parent / pattern
            if not os.path.isabs(pattern) and self.disk and os.path.isfile(beside):
                message += (f"; {self.display(str(beside))} exists, but nginx resolves relative includes "
                            "against the main config's directory, not the including file's")
        arg = directive.args[0]
        self.issues.append(LoadIssue("include-not-found", message, file=directive.file, offset=arg.start,
                                     end=arg.end, severity="info" if packaged else "warning"))

    def place(self, key: str, nodes: list[Node], parent: Directive | None, chain: tuple[str, ...]) -> list[Node]:
        """The nodes of file ``key`` at one more place in the tree, below ``parent``, its
        includes expanded: the parsed nodes the first time, copies after (each place has its
        own parents)."""
        if key in self.placed:
            includes: list[tuple[Directive, int]] = []
            nodes = _copy(nodes, None, includes)
        else:
            self.placed.add(key)
            includes = self.includes.get(key, [])
        top = nodes
        if includes:
            nodes = self.expand(top, includes, parent, chain)
        for node in top:  # the nodes below them already have their parents
            node.parent = parent
        return nodes

    def expand(self, top: list[Node], includes: list[tuple[Directive, int]], parent: Directive | None,
               chain: tuple[str, ...]) -> list[Node]:
        """The top level of a file with each `include` directive followed by its files' nodes,
        at every depth (blocks get new ``children``). ``top`` and the include directives at
        its level have no parent yet: ``parent`` is theirs."""
        # block owner (None: the top level) → [its new children, how many of its nodes they hold]
        rebuilt: dict[Directive | None, tuple[list[Node], list[int]]] = {}
        for directive, index in includes:
            if directive.block is not None:
                continue  # `include x { }`: a block, NGL009 reports it
            owner = directive.parent
            found = self.include(directive, parent if owner is None else owner, chain)
            if not found:
                continue
            old = top if owner is None else owner.block
            new, done = rebuilt.setdefault(owner, ([], [0]))
            new += old[done[0]:index + 1]
            new += found
            done[0] = index + 1
        for owner, (new, done) in rebuilt.items():
            new += (top if owner is None else owner.block)[done[0]:]
            if owner is None:
                top = new
            else:
                owner.children = new
        return top

    # -- the whole config -----------------------------------------------------------------
    def config(self, key: str, display: str, context: str | None) -> Config:
        src, nodes = self.read(key, display)
        if src is None:
            src = SourceFile(Path(key), b"", "", display)
        effective = self.place(key, nodes, None, (key,)) if nodes is not None else []
        ctx = context or guess_context(effective)
        if ctx == "server":
            # A location snippet: lint it inside an implicit server block so every rule and the
            # route simulator see the structure nginx gives it once included.
            server = Directive("server", [], src, 0, 0, 0, block=[], children=effective, synthetic=True)
            for node in effective:
                node.parent = server
            effective, ctx = [server], "http"
        return Config(main=src, nodes=effective, context=ctx, prefix=self.prefix, conf_dir=self.conf_dir,
                      files=self.files, issues=self.issues, standalone=ctx != "main", dump=not self.disk,
                      unmatched_includes=self.unmatched)


def _glob_match(pattern: str, path: str) -> bool:
    """glob(3) matching: wildcards stay inside one path component and skip dot files."""
    pat_parts, parts = pattern.split("/"), path.split("/")
    if len(pat_parts) != len(parts):
        return False
    return all(fnmatch.fnmatchcase(part, pat) and (pat.startswith(".") or not part.startswith(".") or pat == part)
               for pat, part in zip(pat_parts, parts))


def _enter(loader: _Loader, key: str, display: str, where: Path | None) -> None:
    """Read the entry file and set nginx's conf dir for it: the directory of a main config,
    or a guess for a vhost or snippet. ``where`` is the entry's path on disk, if any."""
    _, nodes = loader.read(key, display)
    main_config = (where is not None and where.name == "nginx.conf") or bool(nodes) and guess_context(nodes) == "main"
    if where is None:
        conf_dir = Path.cwd()
    else:
        conf_dir = where.parent if main_config else _guess_conf_dir(where)
    loader.enter(key, conf_dir, main_config)


def load(path: str | Path, *, prefix: str | Path | None = None, conf_root: str | None = None,
         context: str | None = None, overlay: dict[str, bytes] | None = None) -> Config:
    """Load one entry file and everything it includes. ``overlay`` maps absolute paths to
    bytes used instead of the file's content (how the fix loop re-lints unwritten edits)."""
    key = os.path.abspath(path)
    with gc_paused():
        loader = _Loader(prefix=prefix, conf_root=conf_root, overlay=overlay)
        _enter(loader, key, str(path), Path(key))
        return loader.config(key, str(path), context)


def load_text(text: bytes | str, name: str = "<stdin>", *, prefix: str | Path | None = None,
              conf_root: str | None = None, context: str | None = None,
              overlay: dict[str, bytes] | None = None) -> Config:
    """Load config text: stdin, or an `nginx -T` dump (recognised by its file headers).
    Plain text named like a file (``--stdin-filename``) resolves includes as that file
    would; "<stdin>" resolves them against the current directory."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if overlay and name in overlay:
        data = overlay[name]
    files = split_dump(data)
    with gc_paused():
        if files is None:
            loader = _Loader(prefix=prefix, conf_root=conf_root, overlay=overlay, virtual={name: data})
            _enter(loader, name, name, None if name.startswith("<") else Path(os.path.abspath(name)))
            return loader.config(name, name, context)
        main = next(iter(files))
        loader = _Loader(prefix=prefix, conf_root=conf_root, overlay=overlay, virtual=files, disk=False)
        loader.enter(main, Path(main).parent, True)
        config = loader.config(main, main, context)
        # `nginx -T` prints only what it read; a hand-made bundle may hold more.
        for path, body in files.items():
            src = None if path in loader.parsed else decode_source(Path(path), body, path)[0]
            if src is not None:
                config.issues.append(not_loaded_issue(src, f"no file of this dump (main config {main}) includes it"))
        return config


_FIRST_STATEMENT = re.compile(rb"(?:\s|#[^\n]*)*")


def not_loaded_issue(src: SourceFile, why: str) -> LoadIssue:
    """A note that nginx never reads ``src`` (NGL012), at its first statement."""
    start = _FIRST_STATEMENT.match(src.data).end()
    end = start
    while end < len(src.data) and not src.data[end:end + 1].isspace() and src.data[end:end + 1] not in b"{;":
        end += 1
    return LoadIssue("not-loaded", f"this file is not loaded: {why}; nginx ignores it and every edit to it",
                     file=src, offset=start, end=end, severity="warning")


def split_dump(data: bytes) -> dict[str, bytes] | None:
    """The files of an `nginx -T` dump (path → bytes, in load order), or None if ``data`` is
    not one. nginx prints each file after a `# configuration file PATH:` line and adds a
    newline after it; `nginx: ... syntax is ok` lines may come first (stderr captured too)."""
    start = _DUMP.match(data)
    if start is None:
        return None
    headers = list(_DUMP_HEADER.finditer(data, start.end()))
    files: dict[str, bytes] = {}
    for i, m in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(data)
        body = data[m.end():end]
        if body.endswith(b"\n"):
            body = body[:-2] if body.endswith(b"\r\n") else body[:-1]
        # nginx prints the path as it opened it (`/etc/nginx/./x.conf` for `include ./x.conf`)
        files.setdefault(os.path.normpath(m.group(1).decode("utf-8", "replace")), body)
    return files
