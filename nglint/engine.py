"""Runs rules over loaded configs and collects diagnostics."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable

from nglint.diagnostics import Diagnostic, Severity
from nglint.load import Comment, Config, Directive
from nglint.rule import Rule, RuleContext

ENTRY_POINT_GROUP = "nglint.rules"
UNUSED_SUPPRESSION = ("NGL011", "unused-suppression")
_SUPPRESS = re.compile(r"#\s*nglint:\s*disable=([A-Za-z0-9_,\s-]+?)\s*(?:--\s*(.*))?$")


def _rules_in_module(module: ModuleType) -> list[type[Rule]]:
    found = [obj for _, obj in inspect.getmembers(module, inspect.isclass)
             if issubclass(obj, Rule) and obj is not Rule and obj.__module__ == module.__name__
             and not obj.__dict__.get("abstract")]
    # A package (like the built-in pack) contributes the rules of every submodule.
    if hasattr(module, "__path__"):
        for info in pkgutil.iter_modules(module.__path__):
            if not info.name.startswith("_"):
                found.extend(_rules_in_module(importlib.import_module(f"{module.__name__}.{info.name}")))
    return found


_registry: list[type[Rule]] | None = None


def all_rules() -> list[type[Rule]]:
    """Every rule class of every pack registered under the ``nglint.rules`` entry point."""
    global _registry
    if _registry is None:
        seen: dict[str, type[Rule]] = {}
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            for cls in _rules_in_module(ep.load()):
                other = seen.get(cls.code)
                if other is not None and other is not cls:
                    raise RuntimeError(f"rule code {cls.code} is claimed by {other.__module__} and {cls.__module__}")
                seen[cls.code] = cls
        _registry = sorted(seen.values(), key=lambda c: c.code)
    return _registry


def find_rule(key: str) -> type[Rule] | None:
    key = key.strip()
    for cls in all_rules():
        if cls.code.lower() == key.lower() or cls.name == key:
            return cls
    return None


def select_rules(select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> list[type[Rule]]:
    """Rules whose code or name starts with a selected prefix and none of the ignored ones."""
    def hit(cls: type[Rule], keys: list[str]) -> bool:
        return any(cls.code.startswith(k.upper()) or cls.name == k or k.upper() == "ALL" for k in keys)

    chosen = all_rules()
    sel = [s for s in (select or []) if s]
    if sel:
        chosen = [c for c in chosen if hit(c, sel)]
    ign = [s for s in (ignore or []) if s]
    return [c for c in chosen if not hit(c, ign)]


@dataclass
class Project:
    """Everything a run looks at: configs plus (optionally) the Flask app beside them."""

    configs: list[Config]
    app_dir: Path | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def app(self) -> Any:
        """The Flask app model, read lazily (imports libcst) the first time a rule asks."""
        if self.app_dir is None:
            return None
        from nglint.flask import read_project

        return read_project(self.app_dir, self.settings)


def lint(project: Project, rules: Iterable[type[Rule]]) -> list[Diagnostic]:
    instances = [cls() for cls in rules]
    by_name: dict[str, list[Rule]] = {}
    whole: list[Rule] = []
    for rule in instances:
        if rule.needs_app and project.app_dir is None:
            continue
        if rule.directives is None:
            whole.append(rule)
        else:
            for name in rule.directives:
                by_name.setdefault(name, []).append(rule)
    out: list[Diagnostic] = []
    seen: set[tuple] = set()

    def add(diags: Iterable[Diagnostic]) -> None:
        for d in diags:
            key = (d.code, d.filename, d.start, d.end, d.message)
            if key not in seen:
                seen.add(key)
                out.append(d)

    for config in project.configs:
        cache: dict[str, Any] = {}
        for rule in whole:
            add(rule.check(RuleContext(project, config, None, cache)))
        if by_name:
            for directive in config.walk():
                for rule in by_name.get(directive.name, ()):
                    add(rule.check(RuleContext(project, config, directive, cache)))
    active = {r.code for r in instances}
    out = apply_suppressions(project.configs, out, report_unused=UNUSED_SUPPRESSION[0] in active)
    out.sort(key=Diagnostic.sort_key)
    return out


@dataclass
class _Suppression:
    codes: set[str]
    comment: Comment
    used: set[str] = field(default_factory=set)


def _suppressions(configs: list[Config]) -> dict[tuple[str, int], _Suppression]:
    """(file, line) → suppression. A comment covers its own line, and the next line when it
    stands alone on its line."""
    table: dict[tuple[str, int], _Suppression] = {}
    for config in configs:
        for src in config.files.values():
            if b"nglint:" not in src.data:
                continue
            from nglint.load.lexer import COMMENT, tokenize

            for tok in tokenize(src.text):
                if tok.kind != COMMENT:
                    continue
                m = _SUPPRESS.search(tok.value)
                if not m:
                    continue
                codes = {c.strip().upper() for c in m.group(1).split(",") if c.strip()}
                start = src.byte_offset(tok.start)
                comment = Comment(tok.value, src, start, src.byte_offset(tok.end))
                sup = _Suppression(codes, comment)
                line, col = src.line_col(start)
                table[(src.display, line)] = sup
                if not src.line_text(line)[: col - 1].strip():
                    table.setdefault((src.display, line + 1), sup)
    return table


def apply_suppressions(configs: list[Config], diags: list[Diagnostic], report_unused: bool) -> list[Diagnostic]:
    table = _suppressions(configs)
    if not table:
        return diags
    kept = []
    for d in diags:
        sup = table.get((d.filename, d.line))
        if sup is not None and (d.code in sup.codes or d.name.upper() in sup.codes):
            sup.used.add(d.code)
            continue
        kept.append(d)
    if report_unused:
        for sup in {id(s): s for s in table.values()}.values():
            unused = sorted(c for c in sup.codes if c not in sup.used and not any(
                d.name.upper() == c for d in diags))
            if unused:
                c = sup.comment
                kept.append(Diagnostic(UNUSED_SUPPRESSION[0], UNUSED_SUPPRESSION[1], Severity.WARNING,
                                       f"suppression of {', '.join(unused)} suppresses nothing",
                                       c.file, c.start, c.end))
    return kept


def is_fatal(configs: list[Config]) -> bool:
    return any(c.fatal for c in configs)


