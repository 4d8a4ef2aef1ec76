"""The rule API: subclass ``Rule``, register the module under the ``nglint.rules`` entry point.

``check(ctx)`` yields ``self.report(node, fix=..., **fmt)``. A fix is a list of byte-range
``TextEdit``s into the original file (``Fix.safe`` / ``Fix.unsafe`` / ``Fix.display_only``).
Edits that create or remove whole directives come from ``nglint.fix``:
``insert_directive_after(node, name, args, block)``, ``insert_directive_in(parent, ...)``
(rendered with ``crossplane.build``, indented and line-ended like the file) and
``remove_node(node)`` (takes the node's line with it when it stood alone).
Suppressions (``# nglint: disable=CODE -- reason``) are the engine's job, not the rule's.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar, Iterator

from nglint.diagnostics import Diagnostic, Fix, Related, Severity
from nglint.load.tree import Directive, SourceFile

if TYPE_CHECKING:
    from nglint.engine import Project
    from nglint.load import Config

# Built-in rules use NGL###; a third-party pack uses its own letters (ACME001).
_CODE = re.compile(r"^[A-Z]{2,8}\d{3}$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_DOC_HEADINGS = ("## What it does", "## Why is this bad?", "## Example")


class RuleContext:
    """What a rule sees: the project, the config being linted and (for directive rules)
    the directive that matched the rule's ``directives`` filter; ``cache`` is shared by
    every rule checking the same config."""

    __slots__ = ("project", "config", "directive", "cache")

    def __init__(self, project: Project, config: Config, directive: Directive | None = None,
                 cache: dict[str, Any] | None = None) -> None:
        self.project = project
        self.config = config
        self.directive = directive
        self.cache = {} if cache is None else cache


class Rule:
    """Base class of every rule. See STYLE.md for the shape of a rule module."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.WARNING
    directives: ClassVar[tuple[str, ...] | None] = None  # None: check() runs once per config
    message: ClassVar[str] = ""
    fix_title: ClassVar[str] = ""
    # Embedded examples, run by the tests: bad = [(input, fixed or None)], good = [input].
    bad: ClassVar[list[tuple[str, str | None]]] = []
    good: ClassVar[list[str]] = []
    needs_app: ClassVar[bool] = False  # True: the rule reads the Flask model (libcst)
    # For needs_app rules: the Flask project (relative path → text) the embedded examples
    # are checked against; an `nglint.toml` among them holds its settings (app-root).
    example_app: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("abstract"):
            return
        if not _CODE.match(getattr(cls, "code", "")):
            raise TypeError(f"{cls.__name__}: code must look like NGL123 (letters, then three digits)")
        if not _NAME.match(getattr(cls, "name", "")):
            raise TypeError(f"{cls.__name__}: name must be kebab-case")
        doc = cls.__doc__ or ""
        missing = [h for h in _DOC_HEADINGS if h not in doc]
        if missing:
            raise TypeError(f"{cls.__name__}: docstring lacks {', '.join(missing)}")
        if not isinstance(cls.severity, Severity):
            raise TypeError(f"{cls.__name__}: severity must be a Severity")

    def check(self, ctx: RuleContext) -> Iterator[Diagnostic]:
        raise NotImplementedError

    # -- helpers for check() --------------------------------------------------
    def report(self, node: Directive | None = None, *, message: str | None = None, fix: Fix | None = None,
               start: int | None = None, end: int | None = None, file: SourceFile | None = None,
               related: list[Related] | None = None, severity: Severity | None = None,
               **fmt: Any) -> Diagnostic:
        """A diagnostic at ``node`` (or an explicit byte span) with the class message formatted."""
        text = (message or self.message).format(**fmt) if fmt else (message or self.message)
        src = file or (node.file if node is not None else None)
        s = start if start is not None else (node.start if node is not None else 0)
        e = end if end is not None else (node.name_end if node is not None else s)
        return Diagnostic(self.code, self.name, severity or self.severity, text, src, s, e, fix,
                          list(related or []))

    @classmethod
    def fixable(cls) -> bool:
        """Whether the rule offers fixes: it names a fix title or shows a fixed bad example."""
        return bool(cls.fix_title) or any(fixed is not None for _, fixed in cls.bad)

    @classmethod
    def documentation(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")


def related_at(node: Directive, message: str) -> Related:
    line, col = node.file.line_col(node.start)
    return Related(message, node.file.display, line, col)
