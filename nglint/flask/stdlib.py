"""Models of the standard library calls that build paths and read the environment:
os.path, pathlib, os.environ/os.getenv, and str/dict/list methods."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Callable

from nglint.flask.objects import DictObj, ListObj
from nglint.flask.values import Pos, Unknown, Val, Value, cands, derive, flags, lift

if TYPE_CHECKING:
    from nglint.flask.interp import Interpreter


@dataclass
class CallArgs:
    args: list[Value] = field(default_factory=list)
    kwargs: dict[str, Value] = field(default_factory=dict)
    unknown_star: Unknown | None = None  # *args/**kwargs that could not be expanded


def bind(params: list[tuple[str, Any]], ca: CallArgs, what: str) -> dict[str, Value]:
    """Bind call arguments to ``params`` [(name, default python value)] like a Python call."""
    out: dict[str, Value] = {}
    for (name, _), value in zip(params, ca.args):
        out[name] = value
    for name, value in ca.kwargs.items():
        if any(name == p for p, _ in params):
            out[name] = value
    for name, default in params:
        if name not in out:
            if ca.unknown_star is not None:
                out[name] = Unknown(f"{what}: argument {name!r} comes from *args/**kwargs that are not known",
                                    ca.unknown_star.pos)
            else:
                out[name] = Val(default)
    return out


def fspath(v: Any) -> Any:
    return str(v) if isinstance(v, PurePosixPath) else v


def is_path(v: Any) -> bool:
    return isinstance(v, (str, PurePosixPath))


def _path_fn(fn: Callable[[str], Any]) -> Callable[[Val], Value]:
    def apply(a: Val) -> Value:
        if not is_path(a.v):
            return Unknown(f"path operation on a non-path value {a.v!r}", a.pos)
        return derive(fn(fspath(a.v)), a)
    return apply


def path_join(*parts: Val) -> Value:
    """os.path.join: provenance only from the parts that survive an absolute component."""
    if not all(is_path(p.v) for p in parts):
        return Unknown("os.path.join of a non-path value")
    start = 0
    for i, p in enumerate(parts):
        if fspath(p.v).startswith("/"):
            start = i
    kept = parts[start:]
    return Val(posixpath.join(*[fspath(p.v) for p in kept]), **flags(*kept))


def abspath(a: Val) -> Value:
    if not is_path(a.v):
        return Unknown("os.path.abspath of a non-path value")
    p = fspath(a.v)
    if p.startswith("/"):
        return derive(posixpath.normpath(p), a)
    # Relative: anchored on the CWD of the process at import time.
    return Val(posixpath.normpath(p), **{**flags(a), "cwd": True})


def env_lookup(interp: Interpreter, name: Value, default: Value, pos: Pos | None) -> Value:
    """os.environ.get(NAME, default) / os.getenv: the default, overridable by $NAME."""
    def get(n: Val, d: Val) -> Value:
        if not isinstance(n.v, str):
            return Unknown("environment variable name is not a string", pos)
        preset = interp.env_presets.get(n.v)
        base = preset if preset is not None else d
        if isinstance(base, Val):
            return Val(base.v, env=base.env | {n.v} | n.env, proj=base.proj, cwd=base.cwd, params=base.params,
                       keys=base.keys, pos=pos)
        return base
    return lift(get, name, default)


def environ_item(interp: Interpreter, name: Value, pos: Pos | None) -> Value:
    def get(n: Val) -> Value:
        preset = interp.env_presets.get(n.v) if isinstance(n.v, str) else None
        if preset is not None:
            return env_lookup(interp, n, preset, pos)
        return Unknown(f"os.environ[{n.v!r}] has no default: set only by the deployment environment", pos)
    return lift(get, name)


# -- os.path / pathlib -----------------------------------------------------------------

PATH_FUNCS: dict[str, Callable[..., Value]] = {
    "os.path.join": path_join,
    "os.path.dirname": _path_fn(posixpath.dirname),
    "os.path.basename": _path_fn(posixpath.basename),
    "os.path.normpath": _path_fn(posixpath.normpath),
    "os.path.abspath": abspath,
    "os.path.realpath": abspath,
    "os.fspath": _path_fn(lambda p: p),
}


def path_attr(p: Val, name: str) -> Value:
    """Attributes of a pathlib path."""
    v: PurePosixPath = p.v
    if name == "parent":
        return derive(v.parent, p)
    if name in ("name", "stem", "suffix"):
        return derive(getattr(v, name), p)
    if name == "parents":
        return derive(tuple(Val(x, **flags(p)) for x in v.parents), p)
    return Unknown(f"pathlib attribute {name!r} is not modelled")


def path_method(p: Val, name: str, args: list[Val]) -> Value:
    v: PurePosixPath = p.v
    if name in ("resolve", "absolute"):
        if v.is_absolute():
            return derive(PurePosixPath(posixpath.normpath(str(v))), p)
        return Val(v, **{**flags(p), "cwd": True})
    if name == "joinpath":
        if not all(is_path(a.v) for a in args):
            return Unknown("Path.joinpath of a non-path value")
        return derive(v.joinpath(*[fspath(a.v) for a in args]), p, *args)
    if name in ("as_posix", "__str__", "__fspath__"):
        return derive(str(v), p)
    if name == "with_name" and args and isinstance(args[0].v, str):
        return derive(v.with_name(args[0].v), p, args[0])
    if name == "expanduser":
        return Unknown("~ depends on the user running the app")
    return Unknown(f"pathlib method {name!r} is not modelled")


def path_div(a: Val, b: Val) -> Value:
    if isinstance(a.v, PurePosixPath) and is_path(b.v):
        kept = [b] if fspath(b.v).startswith("/") else [a, b]
        return Val(a.v / fspath(b.v), **flags(*kept))
    if isinstance(b.v, PurePosixPath) and isinstance(a.v, str):
        return derive(PurePosixPath(a.v) / b.v, a, b)
    return Unknown("division of non-path values")


# -- str / dict / list methods ------------------------------------------------------

STR_METHODS = {"strip", "lstrip", "rstrip", "lower", "upper", "replace", "startswith", "endswith", "split",
               "rsplit", "partition", "rpartition", "join", "format", "removeprefix", "removesuffix", "title",
               "capitalize"}


def str_method(s: Val, name: str, args: list[Value], kwargs: dict[str, Value]) -> Value:
    if name not in STR_METHODS:
        return Unknown(f"str.{name} is not modelled")

    def call(recv: Val, *vals: Val) -> Value:
        raw = [fspath(x.v) for x in vals]
        if name == "join":
            items = _iter_items(vals[0]) if vals else None
            if items is None or not all(isinstance(i, Val) and isinstance(i.v, str) for i in items):
                return Unknown("str.join of values that are not all known strings")
            return derive(recv.v.join(i.v for i in items), recv, *items)
        if name == "format":
            kw = {k: v for k, v in kwargs.items()}
            if not all(isinstance(v, Val) for v in kw.values()):
                return Unknown("str.format with an unknown argument")
            try:
                text = recv.v.format(*[fspath(x.v) for x in vals], **{k: fspath(v.v) for k, v in kw.items()})
            except (IndexError, KeyError, ValueError):
                return Unknown("str.format that would fail")
            return derive(text, recv, *vals, *kw.values())
        try:
            result = getattr(recv.v, name)(*raw)
        except (TypeError, ValueError, AttributeError):
            return Unknown(f"str.{name} with arguments that are not strings")
        if isinstance(result, list):
            return derive(ListObj([derive(x, recv, *vals) for x in result]), recv, *vals)
        if isinstance(result, tuple):
            return derive(tuple(derive(x, recv, *vals) for x in result), recv, *vals)
        return derive(result, recv, *vals)

    return lift(call, s, *args)


def _iter_items(v: Val) -> list[Value] | None:
    if isinstance(v.v, ListObj):
        return list(v.v.items)
    if isinstance(v.v, tuple):
        return list(v.v)
    if isinstance(v.v, DictObj):
        return [Val(k) for k in v.v.items]
    if isinstance(v.v, str):
        return [derive(c, v) for c in v.v]
    return None


def iter_items(value: Value) -> list[Value] | None:
    """The elements a for-loop sees, or None when the iterable is not known."""
    if isinstance(value, Val):
        return _iter_items(value)
    return None


def subscript(container: Value, key: Value, pos: Pos | None) -> Value:
    """``container[key]`` for known containers; a key chosen by the environment gives the
    default's item plus every other item as candidates."""
    def get(c: Val, k: Val) -> Value:
        if isinstance(c.v, DictObj):
            if k.v in c.v.items:
                hit = c.v.items[k.v]
                if k.env:
                    others = [v for kk, v in c.v.items.items() if kk != k.v]
                    return cands([hit, *others], 0, k.env, pos)
                return hit
            if k.env:
                return cands(list(c.v.items.values()), None, k.env, pos)
            return Unknown(f"key {k.v!r} is not in the dict", pos)
        if isinstance(c.v, (ListObj, tuple)):
            items = c.v.items if isinstance(c.v, ListObj) else list(c.v)
            if isinstance(k.v, int) and -len(items) <= k.v < len(items):
                return items[k.v]
            return Unknown("index out of range or not an int", pos)
        if isinstance(c.v, (str, PurePosixPath)) and isinstance(k.v, int):
            s = fspath(c.v)
            return derive(s[k.v], c, k) if -len(s) <= k.v < len(s) else Unknown("index out of range", pos)
        return Unknown(f"subscript of {type(c.v).__name__} is not modelled", pos)

    if isinstance(container, Val) and isinstance(container.v, DictObj) and isinstance(key, Unknown):
        return cands(list(container.v.items.values()), None, (), pos)
    return lift(get, container, key)


def dict_method(d: Val, name: str, args: list[Value], pos: Pos | None) -> Value:
    obj: DictObj = d.v
    if name == "get":
        key = args[0] if args else Val(None)
        default = args[1] if len(args) > 1 else Val(None)
        if isinstance(key, Val) and key.v not in obj.items and not key.env:
            return default
        return subscript(d, key, pos)
    if name in ("keys", "values", "items"):
        if name == "keys":
            return Val(tuple(Val(k) for k in obj.items))
        if name == "values":
            return Val(tuple(obj.items.values()))
        return Val(tuple(Val((Val(k), v)) for k, v in obj.items.items()))
    if name == "copy":
        return Val(DictObj(dict(obj.items)))
    return Unknown(f"dict.{name} is not modelled", pos)


def list_method(lst: Val, name: str, args: list[Value], pos: Pos | None, frozen: bool) -> Value:
    obj: ListObj = lst.v
    if name in ("append", "extend", "insert"):
        if frozen:
            return Val(None)
        if name == "append" and args:
            obj.items.append(args[0])
        elif name == "insert" and len(args) == 2:
            idx = args[0]
            obj.items.insert(idx.v if isinstance(idx, Val) and isinstance(idx.v, int) else len(obj.items), args[1])
        elif name == "extend" and args:
            more = iter_items(args[0])
            if more is None:
                return Unknown("list.extend with an unknown iterable", pos)
            obj.items.extend(more)
        return Val(None)
    if name == "copy":
        return Val(ListObj(list(obj.items)))
    return Unknown(f"list.{name} is not modelled", pos)


def strip_slashes(v: Val, chars: str) -> Value:
    if v.v is None:
        return v
    if not is_path(v.v):
        return Unknown("not a path")
    return replace(v, v=fspath(v.v).rstrip(chars), pos=v.pos)

