"""Abstract values of the static Flask reader.

Every expression the reader evaluates becomes one of:

- ``Val``: a known Python value plus provenance flags (which environment variables may
  override it, whether it is a path inside the project or anchored on the process CWD,
  which URL variables and config keys went into it);
- ``Cands``: one value per branch, with the index the default path takes (no env vars
  set, default arguments) when that is knowable;
- ``Unknown``: not statically knowable, with the reason and the source position.

Nothing here imports libcst; positions resolve their line lazily through ``Source``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Union

MAX_CANDIDATES = 16  # a product of branches beyond this becomes unknown


@dataclass(frozen=True, eq=False)
class NodePos:
    """A libcst node in a parsed source file; the line is computed on first use."""

    src: Any  # nglint.flask.source.Source
    node: Any

    @property
    def file(self) -> str:
        return self.src.rel

    @property
    def line(self) -> int:
        return self.src.line_of(self.node)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"

    def __repr__(self) -> str:
        return f"NodePos({self.src.rel}, {type(self.node).__name__})"


@dataclass(frozen=True)
class LinePos:
    """A known file and line (templates, data files)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


Pos = Union[NodePos, LinePos]


@dataclass(frozen=True)
class Val:
    v: Any
    env: frozenset[str] = frozenset()  # environment variables that may override the value
    proj: bool = False  # a path computed from a project file (__file__, root_path)
    cwd: bool = False  # a relative path made absolute against the process CWD at runtime
    params: frozenset[str] = frozenset()  # URL variables of the route inside the value
    keys: frozenset[str] = frozenset()  # app.config keys the value was read from
    pos: Pos | None = field(default=None, compare=False)

    def with_pos(self, pos: Pos | None) -> Val:
        return self if pos is None or self.pos is not None else replace(self, pos=pos)


@dataclass(frozen=True)
class Unknown:
    reason: str
    pos: Pos | None = field(default=None, compare=False)

    def with_pos(self, pos: Pos | None) -> Unknown:
        return self if pos is None or self.pos is not None else replace(self, pos=pos)


@dataclass(frozen=True)
class Cands:
    """One option per branch; ``default`` indexes the option the default path takes."""

    options: tuple[Any, ...]  # Val | Unknown
    default: int | None
    env: frozenset[str] = frozenset()  # variables that choose between the options
    pos: Pos | None = field(default=None, compare=False)

    def with_pos(self, pos: Pos | None) -> Cands:
        return self if pos is None or self.pos is not None else replace(self, pos=pos)

    def default_option(self) -> Any:
        return self.options[self.default] if self.default is not None else None


Value = Union[Val, Unknown, Cands]


def cands(options: Iterable[Value], default: int | None, env: Iterable[str] = (),
          pos: Pos | None = None) -> Value:
    """Candidates, flattened and deduplicated; a single option is returned as itself."""
    flat: list[Any] = []
    flat_default: int | None = None
    env_set = set(env)
    for i, opt in enumerate(options):
        if isinstance(opt, Cands):
            env_set |= opt.env
            inner_default = opt.default
            for j, o in enumerate(opt.options):
                k = _index_of(flat, o)
                if i == default and j == inner_default:
                    flat_default = k
        else:
            k = _index_of(flat, opt)
            if i == default:
                flat_default = k
    if len(flat) == 1:
        return flat[0]
    if len(flat) > MAX_CANDIDATES:
        return Unknown(f"more than {MAX_CANDIDATES} possible values", pos)
    return Cands(tuple(flat), flat_default, frozenset(env_set), pos)


def _index_of(flat: list[Any], opt: Any) -> int:
    for k, existing in enumerate(flat):
        if type(existing) is type(opt) and existing == opt:
            return k
    flat.append(opt)
    return len(flat) - 1


def lift(fn: Callable[..., Value], *args: Value) -> Value:
    """Apply ``fn`` (which takes ``Val``s) over unknowns (propagated) and candidates (mapped)."""
    for a in args:
        if isinstance(a, Unknown):
            return a
    for i, a in enumerate(args):
        if isinstance(a, Cands):
            opts = [lift(fn, *args[:i], o, *args[i + 1:]) for o in a.options]
            return cands(opts, a.default, a.env, a.pos)
    return fn(*args)


def flags(*vals: Val) -> dict[str, Any]:
    """Provenance of a value computed from ``vals``."""
    return {
        "env": frozenset().union(*(v.env for v in vals)),
        "proj": any(v.proj for v in vals),
        "cwd": any(v.cwd for v in vals),
        "params": frozenset().union(*(v.params for v in vals)),
        "keys": frozenset().union(*(v.keys for v in vals)),
    }


def derive(v: Any, *sources: Val, pos: Pos | None = None) -> Val:
    return Val(v, pos=pos, **flags(*sources))


def truth(value: Value) -> tuple[bool | None, frozenset[str]]:
    """(truthiness on the default path or None if unknowable, env vars that could flip it)."""
    if isinstance(value, Unknown):
        return None, frozenset()
    if isinstance(value, Cands):
        results = {truth(o)[0] for o in value.options}
        if len(results) == 1:
            (only,) = results
            return only, frozenset()
        d = value.default_option()
        return (truth(d)[0] if d is not None else None), value.env
    v = value.v
    if isinstance(v, (str, bytes, int, float, bool, list, tuple, dict, set, frozenset)) or v is None:
        return bool(v), value.env
    if isinstance(getattr(v, "items", None), (list, dict)):  # ListObj / DictObj
        return bool(v.items), value.env
    return True, value.env

