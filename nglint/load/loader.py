"""Build effective configuration trees from paths, directories, stdin and `nginx -T` dumps."""

from __future__ import annotations

import copy
import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from nglint.load.parser import ParseError, parse_file
from nglint.load.tree import Comment, Directive, Node, SourceFile

# nginx's compiled-in default prefix on Debian; relative root/alias/log paths hang off it.
DEFAULT_PREFIX = Path("/usr/share/nginx")
DEFAULT_CONF_ROOT = "/etc/nginx"

# Top-level directives that only make sense in a main nginx.conf.
_MAIN_ONLY = {"http", "events", "stream", "mail", "worker_processes", "user", "pid", "daemon",
              "worker_rlimit_nofile", "load_module", "env", "master_process", "thread_pool"}
# Top-level directives of a server-level snippet.
_SERVER_LEVEL = {"location", "listen", "server_name", "root", "try_files", "return", "rewrite",
                 "ssl_certificate", "ssl_certificate_key", "error_page"}

DUMP_HEADER = re.compile(rb"^# configuration file (.+):\r?$", re.M)


@dataclass
class LoadIssue:
    """Something the loader found: fatal issues (syntax, I/O) make the run exit 2."""

    kind: str  # short kebab-case id, e.g. "syntax-error", "include-not-found"
    message: str
    file: SourceFile | None = None
    path: str | None = None  # when there is no SourceFile (unreadable, not UTF-8)
    offset: int | None = None
    fatal: bool = False
    severity: str = "error"

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


@dataclass
class Config:
    """One effective configuration: what nginx would load from one entry point."""

    main: SourceFile
    nodes: list[Node]
    context: str  # context of the main file's top level: "main", "http" or "server"
    prefix: Path
    conf_dir: Path
    files: dict[str, SourceFile] = field(default_factory=dict)
    issues: list[LoadIssue] = field(default_factory=list)
    standalone: bool = False  # a snippet linted without the nginx.conf that includes it
    dump: bool = False  # loaded from an `nginx -T` dump

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
        return [d for d in self.top("http")] if self.context == "main" else []

    def servers(self) -> list[Directive]:
        """Every http `server` block in load order (stream/mail servers excluded)."""
        if self.context == "server":
            return []
        out: list[Directive] = []
        scopes = self.http_blocks() if self.context == "main" else [None]
        for scope in scopes:
            nodes = scope.body() if scope is not None else self.nodes
            out.extend(n for n in nodes if isinstance(n, Directive) and n.name == "server")
        return out

    def main_directive(self, name: str) -> Directive | None:
        return next(self.top(name), None) if self.context == "main" else None


def read_source(path: Path, display: str | None = None) -> tuple[SourceFile | None, LoadIssue | None]:
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        return None, LoadIssue("unreadable", "is a directory", path=display or str(path), fatal=True)
    except OSError as e:
        return None, LoadIssue("unreadable", f"cannot read: {e.strerror}", path=display or str(path), fatal=True)
    return decode_source(path, data, display)


def decode_source(path: Path, data: bytes, display: str | None = None) -> tuple[SourceFile | None, LoadIssue | None]:
    name = display or str(path)
    if b"\x00" in data[:8192]:
        return None, LoadIssue("not-text", "binary file, not an nginx config", path=name, fatal=True)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        return None, LoadIssue("not-utf8", f"line {line}: byte 0x{data[e.start]:02x} is not valid UTF-8",
                               path=name, fatal=True)
    return SourceFile(path, data, text, name), None


def guess_context(nodes: list[Node]) -> str:
    names = {n.name for n in nodes if isinstance(n, Directive)}
    if names & _MAIN_ONLY:
        return "main"
    if "server" in names or "upstream" in names or "map" in names:
        return "http"
    if names & _SERVER_LEVEL:
        return "server"
    return "http"


class _Loader:
    def __init__(self, prefix: Path | None, conf_root: str | None, virtual: dict[str, bytes] | None = None,
                 overlay: dict[str, bytes] | None = None) -> None:
        self.prefix = prefix
        self.overlay = overlay or {}  # path → bytes that replace the file's content (fix passes)
        self.conf_root = (conf_root or DEFAULT_CONF_ROOT).rstrip("/")
        self.virtual = virtual  # path → bytes, for `nginx -T` dumps
        self.parsed: dict[str, tuple[SourceFile | None, list[Node] | None]] = {}
        self.issues: list[LoadIssue] = []
        self.files: dict[str, SourceFile] = {}
        self.conf_dir = Path(".")

    def parse(self, key: str, path: Path, display: str | None = None) -> tuple[SourceFile | None, list[Node] | None]:
        if key in self.parsed:
            return self.parsed[key]
        if key in self.overlay:
            src, issue = decode_source(path, self.overlay[key], display)
        elif self.virtual is not None and key in self.virtual:
            src, issue = decode_source(path, self.virtual[key], display)
        else:
            src, issue = read_source(path, display)
        nodes = None
        if issue is not None:
            self.issues.append(issue)
        else:
            assert src is not None
            self.files[key] = src
            try:
                nodes = parse_file(src)
            except ParseError as e:
                self.issues.append(LoadIssue("syntax-error", e.message, file=src, offset=e.offset, fatal=True))
        self.parsed[key] = (src, nodes)
        return src, nodes

    # -- include expansion --------------------------------------------------
    def exists(self, path: str) -> bool:
        if self.virtual is not None:
            return path in self.virtual
        return os.path.isfile(path)

    def glob(self, pattern: str) -> list[str]:
        if self.virtual is not None:
            rx = re.compile(glob.translate(pattern) if hasattr(glob, "translate") else _glob_to_re(pattern))
            return sorted(p for p in self.virtual if rx.match(p))
        return sorted(p for p in glob.glob(pattern) if os.path.isfile(p))

    def resolve_include(self, directive: Directive) -> tuple[list[str], str | None]:
        """Files an include names (sorted), and a note when an absolute path was mapped."""
        pattern = directive.args[0].value if directive.args else ""
        if not os.path.isabs(pattern):
            pattern = str(self.conf_dir / pattern)
        is_glob = glob.has_magic(pattern)
        found = self.glob(pattern) if is_glob else ([pattern] if self.exists(pattern) else [])
        if found or self.virtual is not None:
            return found, None
        # A repo holds configs written for the host: /etc/nginx/x stands for <conf dir>/x.
        root = self.conf_root + "/"
        if pattern.startswith(root):
            mapped = str(self.conf_dir / pattern[len(root):])
            found = self.glob(mapped) if is_glob else ([mapped] if self.exists(mapped) else [])
            if found:
                return found, f"{pattern} mapped to {mapped}"
        return found, None

    def expand(self, nodes: list[Node], parent: Directive | None, chain: tuple[str, ...]) -> list[Node]:
        """Effective children of ``parent``: include directives followed by their files' nodes."""
        out: list[Node] = []
        for node in nodes:
            if isinstance(node, Comment):
                out.append(node)
                continue
            node.parent = parent
            out.append(node)
            if node.name == "include" and node.args and node.block is None:
                out.extend(self.include(node, parent, chain))
            elif node.block is not None:
                node.children = self.expand(node.block, node, chain)
        return out

    def include(self, directive: Directive, parent: Directive | None, chain: tuple[str, ...]) -> list[Node]:
        paths, note = self.resolve_include(directive)
        pattern = directive.args[0].value
        if note:
            self.issues.append(LoadIssue("include-mapped", note, file=directive.file,
                                         offset=directive.args[0].start, severity="info"))
        if not paths and not glob.has_magic(pattern):
            self.issues.append(LoadIssue("include-not-found", f"included file {pattern} does not exist",
                                         file=directive.file, offset=directive.args[0].start,
                                         severity="warning"))
        out: list[Node] = []
        for path in paths:
            if path in chain:
                self.issues.append(LoadIssue("include-cycle", f"include cycle: {path} includes itself",
                                             file=directive.file, offset=directive.start, fatal=True))
                continue
            src, nodes = self.parse(path, Path(path), self.display(path))
            if src is None or nodes is None:
                continue
            directive.included.append(src)
            # A file included in several places gets its own copy of the tree per place.
            linked = nodes if not any(n.parent for n in nodes if isinstance(n, Directive)) and \
                not getattr(src, "_linked", False) else copy.deepcopy(nodes, {id(src): src})
            src._linked = True  # type: ignore[attr-defined]
            out.extend(self.expand(linked, parent, chain + (path,)))
        return out

    def display(self, path: str) -> str:
        try:
            return os.path.relpath(path) if not os.path.isabs(path) or self.virtual is None else path
        except ValueError:
            return path


def _glob_to_re(pattern: str) -> str:
    import fnmatch

    return fnmatch.translate(pattern)


def _display(path: Path) -> str:
    return str(path)


def load(path: str | Path, *, prefix: str | Path | None = None, conf_root: str | None = None,
         context: str | None = None, overlay: dict[str, bytes] | None = None) -> Config:
    """Load one entry file (and everything it includes). ``overlay`` maps absolute paths to
    bytes used instead of the file's content (how the fix loop re-lints unwritten edits)."""
    path = Path(path)
    loader = _Loader(Path(prefix) if prefix else None, conf_root, overlay=overlay)
    key = os.path.abspath(path)
    loader.conf_dir = Path(key).parent
    src, nodes = loader.parse(key, Path(key), _display(path))
    return _finish(loader, src, nodes, key, context, Path(key).parent)


def load_text(text: bytes | str, name: str = "<stdin>", *, prefix: str | Path | None = None,
              conf_root: str | None = None, context: str | None = None,
              overlay: dict[str, bytes] | None = None) -> Config:
    """Load config text (stdin or an `nginx -T` dump, detected by its file headers)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if overlay and name in overlay:
        data = overlay[name]
    headers = list(DUMP_HEADER.finditer(data))
    if headers:
        return _load_dump(data, headers, name, prefix, conf_root)
    loader = _Loader(Path(prefix) if prefix else None, conf_root, virtual={name: data})
    loader.conf_dir = Path.cwd()
    src, nodes = loader.parse(name, Path(name), name)
    return _finish(loader, src, nodes, name, context, Path.cwd())


def _load_dump(data: bytes, headers: list[re.Match[bytes]], name: str, prefix, conf_root) -> Config:
    virtual: dict[str, bytes] = {}
    for i, m in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(data)
        body = data[m.end():end]
        if body.startswith(b"\r\n"):
            body = body[2:]
        elif body.startswith(b"\n"):
            body = body[1:]
        virtual[m.group(1).decode("utf-8", "replace")] = body
    main = next(iter(virtual))
    loader = _Loader(Path(prefix) if prefix else None, conf_root, virtual=virtual)
    loader.conf_dir = Path(main).parent
    src, nodes = loader.parse(main, Path(main), main)
    config = _finish(loader, src, nodes, main, None, Path(main).parent)
    config.dump = True
    return config


def _finish(loader: _Loader, src: SourceFile | None, nodes: list[Node] | None, key: str,
            context: str | None, conf_dir: Path) -> Config:
    if src is None:
        src = SourceFile(Path(key), b"", "", key)
    ctx = context or (guess_context(nodes) if nodes else "http")
    effective = loader.expand(nodes, None, (key,)) if nodes is not None else []
    if ctx == "server":
        # A location snippet: lint it inside an implicit server block so every rule and the
        # route simulator see the structure nginx would give it once included.
        server = Directive("server", [], src, 0, 0, 0, block=[], children=effective, synthetic=True)
        for node in effective:
            node.parent = server
        effective, ctx = [server], "http"
    prefix = loader.prefix or DEFAULT_PREFIX
    return Config(main=src, nodes=effective, context=ctx, prefix=prefix, conf_dir=conf_dir,
                  files=loader.files, issues=loader.issues, standalone=ctx != "main")
