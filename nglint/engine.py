"""Runs rules over loaded configs and collects diagnostics (suppressions applied)."""

from __future__ import annotations

import importlib
import os
import re
import sys
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable

from nglint._gc import gc_paused
from nglint.diagnostics import Diagnostic, Fix, TextEdit
from nglint.load import Comment, Config, Directive, Node
from nglint.rule import Rule, RuleContext

ENTRY_POINT_GROUP = "nglint.rules"
UNUSED_SUPPRESSION = "NGL011"


class RuleError(Exception):
    """A rule raised while checking; carries which rule and where, for a one-line report."""


class UnknownSelector(ValueError):
    """A --select/--ignore entry that names no rule."""


def _rules_in_module(module: ModuleType) -> list[type[Rule]]:
    found = [obj for obj in vars(module).values()
             if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule
             and obj.__module__ == module.__name__ and not obj.__dict__.get("abstract")]
    # A package (like the built-in pack) contributes the rules of every submodule.
    if hasattr(module, "__path__"):
        for name in _submodules(module.__path__):
            if not name.startswith("_"):
                found.extend(_rules_in_module(importlib.import_module(f"{module.__name__}.{name}")))
    return found


def _submodules(path: Iterable[str]) -> list[str]:
    """The modules and packages in a package's directories, sorted: pkgutil.iter_modules()
    without its import of inspect (~10 ms, a tenth of a cold run); other loaders (a zipped
    package) go through pkgutil."""
    from importlib.machinery import all_suffixes

    suffixes = sorted(all_suffixes(), key=len, reverse=True)  # ".cpython-311-x86_64-linux-gnu.so" before ".so"
    names: set[str] = set()
    for entry in path:
        try:
            children = os.listdir(entry)
        except OSError:
            import pkgutil

            names.update(info.name for info in pkgutil.iter_modules([entry]))
            continue
        for child in children:
            suffix = next((s for s in suffixes if child.endswith(s)), None)
            if suffix is not None:
                names.add(child[:-len(suffix)])
            elif "." not in child and os.path.isfile(os.path.join(entry, child, "__init__.py")):
                names.add(child)
    names.discard("__init__")
    return sorted(names)


def entry_point_values(group: str) -> list[str]:
    """The values (``module[:attr] [extras]``) registered under entry point ``group``, as
    ``importlib.metadata.entry_points(group=group)`` finds them.

    Read straight from the ``*.dist-info``/``*.egg-info`` directories on ``sys.path``:
    importing importlib.metadata (it imports the email package) and parsing every
    distribution's entry points costs ~35 ms, a quarter of a cold `nglint check`. Still a
    fresh scan on every run, so a newly installed plugin is always seen. Layouts this read
    does not cover (zip or .egg entries on sys.path, finders with their own distributions)
    go through importlib.metadata.
    """
    from importlib.machinery import PathFinder

    if any(getattr(f, "find_distributions", None) is not None and f is not PathFinder for f in sys.meta_path):
        return _metadata_entry_points(group)
    values: list[str] = []
    seen: set[str] = set()  # like importlib.metadata: a distribution counts once, first on sys.path
    for entry in sys.path:
        if not isinstance(entry, str) or os.path.isfile(entry) or entry.lower().endswith(".egg"):
            return _metadata_entry_points(group)
        try:
            children = os.listdir(entry or ".")
        except OSError:
            continue
        for child in children:
            stem, dot, ext = child.rpartition(".")
            if ext.lower() not in ("dist-info", "egg-info"):
                continue
            if ext not in ("dist-info", "egg-info"):
                return _metadata_entry_points(group)  # named by its metadata, not its directory
            name = re.sub(r"[-_.]+", "_", stem.partition("-")[0]).lower()
            if name in seen:
                continue
            seen.add(name)
            try:
                with open(os.path.join(entry, child, "entry_points.txt"), encoding="utf-8") as f:
                    text = f.read()
            except OSError:  # no entry points, or a single-file .egg-info
                continue
            values.extend(_entry_points_in(text, group))
    return values


def _entry_points_in(text: str, group: str) -> list[str]:
    """The values of section ``[group]`` of an entry_points.txt (the stdlib's reading of it)."""
    section = None
    out = []
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
        elif section == group and "=" in line:
            out.append(line.split("=", 1)[1].strip())
    return out


def _metadata_entry_points(group: str) -> list[str]:
    from importlib.metadata import entry_points

    return [ep.value for ep in entry_points(group=group)]


def _load_entry_point(value: str) -> Any:
    """What ``EntryPoint.load()`` gives for ``value``: the module, or its attribute."""
    m = re.fullmatch(r"(?P<module>[\w.]+)\s*(?::\s*(?P<attr>[\w.]+)\s*)?(?:\[.*\]\s*)?", value)
    if m is None:
        raise RuntimeError(f"entry point {ENTRY_POINT_GROUP} = {value!r} is not module[:attr]")
    obj: Any = importlib.import_module(m["module"])
    for part in m["attr"].split(".") if m["attr"] else ():
        obj = getattr(obj, part)
    return obj


_registry: list[type[Rule]] | None = None


def all_rules() -> list[type[Rule]]:
    """Every rule class of every pack registered under the ``nglint.rules`` entry point."""
    global _registry
    if _registry is None:
        seen: dict[str, type[Rule]] = {}
        names: dict[str, type[Rule]] = {}
        for value in entry_point_values(ENTRY_POINT_GROUP):
            for cls in _rules_in_module(_load_entry_point(value)):
                for table, key in ((seen, cls.code), (names, cls.name)):
                    other = table.get(key)
                    if other is not None and other is not cls:
                        raise RuntimeError(f"rule {key} is claimed by {other.__module__} and {cls.__module__}")
                    table[key] = cls
        _registry = sorted(seen.values(), key=lambda c: c.code)
    return _registry


def find_rule(key: str) -> type[Rule] | None:
    """The rule with this code (any case) or name."""
    key = key.strip()
    for cls in all_rules():
        if cls.code.lower() == key.lower() or cls.name == key.lower():
            return cls
    return None


def matches(code: str, name: str, selector: str) -> bool:
    """``selector`` is ``ALL``, a code prefix (``NGL0``, ``NGL001``) or a rule name."""
    sel = selector.strip()
    return sel.upper() == "ALL" or code.upper().startswith(sel.upper()) or name == sel.lower()


def select_rules(select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> list[type[Rule]]:
    """Rules matched by some ``select`` entry (all when None) and by no ``ignore`` entry.
    An entry that matches no rule at all is a mistake (a typo silently disabling nothing),
    so it raises ``UnknownSelector``."""
    rules = all_rules()
    sel = [s for s in (select or []) if s.strip()]
    ign = [s for s in (ignore or []) if s.strip()]
    for s in sel + ign:
        if not any(matches(c.code, c.name, s) for c in rules):
            raise UnknownSelector(f"{s!r} matches no rule (see `nglint rules`)")
    chosen = [c for c in rules if any(matches(c.code, c.name, s) for s in sel)] if select is not None else rules
    return [c for c in chosen if not any(matches(c.code, c.name, s) for s in ign)]


class Project:
    """Everything a run looks at: configs plus (optionally) the Flask app beside them."""

    def __init__(self, configs: list[Config], app_dir: Path | None = None, settings: dict[str, Any] | None = None,
                 notes: list[str] | None = None, fs: Any = None) -> None:
        self.configs = configs
        self.app_dir = app_dir
        self.settings = {} if settings is None else settings
        # Things the user should know that are not findings (what was discovered or inferred,
        # why a check was skipped); the CLI prints them on stderr.
        self.notes = [] if notes is None else notes
        # The filesystem nginx will see (`--fs`, `--fs-root DIR`, `fs-root` setting): an
        # nglint.route.FsView, or None: the filesystem rules then do nothing, no I/O on the host.
        self.fs = fs

    def __repr__(self) -> str:
        return f"Project(configs={len(self.configs)}, app_dir={self.app_dir!r}, fs={self.fs!r})"

    def note(self, text: str) -> None:
        """Add an info note (said once)."""
        if text not in self.notes:
            self.notes.append(text)

    @cached_property
    def app(self) -> Any:
        """The Flask app model, read lazily (imports libcst) the first time a rule asks."""
        if self.app_dir is None:
            return None
        from nglint.flask import read_project

        return read_project(self.app_dir, self.settings)


def _failure(rule: Rule, ctx: RuleContext, e: Exception) -> RuleError:
    """The one-line error for an exception raised by ``rule``."""
    where = ctx.directive.location if ctx.directive is not None else ctx.config.main.display
    return RuleError(f"rule {rule.code} ({rule.name}) failed at {where}: {type(e).__name__}: {e}")


def lint(project: Project, rules: Iterable[type[Rule]]) -> list[Diagnostic]:
    """Diagnostics of ``rules`` over every config of ``project``, suppressions applied,
    sorted by file and position, duplicates (a file reached twice) dropped."""
    # Rules that read the Flask app do not run without one.
    instances = [r for r in (cls() for cls in rules) if not (r.needs_app and project.app_dir is None)]
    by_name: dict[str, list[Rule]] = {}
    whole: list[Rule] = []
    for rule in instances:
        if rule.directives is None:
            whole.append(rule)
        else:
            for name in rule.directives:
                by_name.setdefault(name, []).append(rule)
    out: list[Diagnostic] = []
    seen: set[tuple] = set()

    def run(wanting: list[Rule], ctx: RuleContext) -> None:
        # Directive rules run once per matching directive (~20,000 times on 2,000 servers):
        # one call here for all the rules of a directive, and their findings filed here,
        # not passed through a wrapping generator.
        for rule in wanting:
            try:
                for d in rule.check(ctx):
                    key = (d.code, d.filename, d.start, d.end, d.message)
                    if key not in seen:
                        seen.add(key)
                        out.append(d)
            except Exception as e:
                if os.environ.get("NGLINT_DEBUG"):
                    raise
                raise _failure(rule, ctx, e) from e

    def visit(nodes: list[Node], config: Config, cache: dict[str, Any]) -> None:
        # The directives in config.walk() order, without a generator step per directive
        # and level.
        for node in nodes:
            if node.__class__ is not Directive:  # a Comment (cheaper than isinstance per node)
                continue
            if node.name in by_name:  # most directives are wanted by no rule: one test
                # one context shared by the rules of this directive
                run(by_name[node.name], RuleContext(project, config, node, cache))
            body = node.children
            if body is None:
                body = node.block
            if body:
                visit(body, config, cache)

    # The collector is paused as during loading: what the rules build (routing tables,
    # caches, findings) would otherwise trigger full collections, each traversing the
    # whole tree (~0.9 s per collection at 10k servers) only to find nothing to free.
    with gc_paused():
        for config in project.configs:
            cache: dict[str, Any] = {}
            for rule in whole:
                run([rule], RuleContext(project, config, None, cache))
            if by_name:
                visit(config.nodes, config, cache)
    out = apply_suppressions(project.configs, out, {r.code: r for r in instances})
    out.sort(key=Diagnostic.sort_key)
    return out


# -- inline suppressions ------------------------------------------------------------------

# `# nglint: disable=NGL003,root-instead-of-alias -- reason`
_DIRECTIVE = re.compile(r"#\s*nglint\s*:")
_SUPPRESS = re.compile(r"#\s*nglint\s*:\s*disable\s*=\s*(?P<list>[A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)"
                       r"\s*(?:--.*)?$")
USAGE = "`# nglint: disable=CODE[,CODE...] -- reason`"


class Suppression:
    __slots__ = ("comment", "keys", "list_start", "list_end", "used")

    def __init__(self, comment: Comment, keys: list[str], list_start: int, list_end: int) -> None:
        self.comment = comment
        self.keys = keys  # codes or names as written, lowercased
        self.list_start = list_start  # byte span of the list inside the file
        self.list_end = list_end
        self.used: set[str] = set()

    def covers(self, d: Diagnostic) -> str | None:
        for key in self.keys:
            if key == d.code.lower() or key == d.name:
                return key
        return None


def _comments(nodes: list[Node], out: dict[tuple[str, int], Comment]) -> None:
    for node in nodes:
        if isinstance(node, Comment):
            # A file included at several places has a copy of its tree per place.
            out.setdefault((str(node.file.path), node.start), node)
        elif node.children is not None or node.block is not None:
            _comments(node.body(), out)


def suppressions(configs: list[Config]) -> tuple[dict[tuple[str, int], list[Suppression]], list[Comment]]:
    """((file path, line) → suppressions covering it, malformed `# nglint:` comments).

    A suppression covers its own line; standing alone on its line, it covers the next one.
    """
    if not any(b"nglint" in src.data for c in configs for src in c.files.values()):
        return {}, []  # the common case: no tree walk at all
    found: dict[tuple[str, int], Comment] = {}
    for config in configs:
        _comments(config.nodes, found)
    table: dict[tuple[str, int], list[Suppression]] = {}
    malformed = []
    for comment in found.values():
        if not _DIRECTIVE.match(comment.text):
            continue
        m = _SUPPRESS.match(comment.text)
        if m is None:
            malformed.append(comment)
            continue
        prefix = comment.text[:m.start("list")].encode("utf-8")
        start = comment.start + len(prefix)
        sup = Suppression(comment, [k.strip().lower() for k in m.group("list").split(",")], start,
                          start + len(m.group("list").encode("utf-8")))
        src = comment.file
        line, col = src.line_col(comment.start)
        path = str(src.path)
        table.setdefault((path, line), []).append(sup)
        if not src.line_text(line)[:col - 1].strip():
            table.setdefault((path, line + 1), []).append(sup)
    return table, malformed


def apply_suppressions(configs: list[Config], diags: list[Diagnostic], active: dict[str, Rule]) -> list[Diagnostic]:
    """Drop suppressed diagnostics. When the unused-suppression rule is among ``active``
    (the rules that ran), report each entry that names no rule or a rule that ran and found
    nothing to suppress; entries naming rules that did not run are left alone, since
    nothing can be said about them."""
    table, malformed = suppressions(configs)
    if not table and not malformed:
        return diags
    kept = []
    for d in diags:
        hit = None
        if d.file is not None:
            for sup in table.get((str(d.file.path), d.line), ()):
                key = sup.covers(d)
                if key is not None:
                    sup.used.add(key)
                    hit = sup
        if hit is None:
            kept.append(d)
    reporter = active.get(UNUSED_SUPPRESSION)
    if reporter is None:
        return kept
    from nglint.fix import remove_node

    for comment in malformed:
        kept.append(reporter.report(file=comment.file, start=comment.start, end=comment.end,
                                    message=f"`{comment.text}` is not a valid suppression; write {USAGE}"))
    active_keys = {k for r in active.values() for k in (r.code.lower(), r.name)}
    for sup in {id(s): s for sups in table.values() for s in sups}.values():
        unknown = [k for k in sup.keys if find_rule(k) is None]
        unused = [k for k in sup.keys if k in active_keys and k not in sup.used]
        if not unknown and not unused:
            continue
        dead = set(unknown) | set(unused)
        survivors = [k for k in _written_keys(sup) if k.lower() not in dead]
        c = sup.comment
        if survivors:
            fix = Fix.safe("Remove the unused entries",
                           [TextEdit(c.file, sup.list_start, sup.list_end, ",".join(survivors))])
        else:
            fix = Fix.safe("Remove the suppression comment", [remove_node(c)])
        parts = []
        if unused:
            parts.append(f"{', '.join(_show(unused))} suppress{'es' if len(unused) == 1 else ''} nothing here")
        if unknown:
            parts.append(f"{', '.join(_show(unknown))} {'is not a' if len(unknown) == 1 else 'are not'} "
                         f"known rule{'s' if len(unknown) > 1 else ''}")
        kept.append(reporter.report(file=c.file, start=c.start, end=c.end, fix=fix,
                                    message=f"unused suppression: {'; '.join(parts)}"))
    return kept


def _written_keys(sup: Suppression) -> list[str]:
    text = sup.comment.file.data[sup.list_start:sup.list_end].decode("utf-8")
    return [k.strip() for k in text.split(",")]


def _show(keys: list[str]) -> list[str]:
    return [k.upper() if re.fullmatch(r"[a-z]+\d+", k) else k for k in keys]

