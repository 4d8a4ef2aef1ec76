"""PCRE (as nginx uses it) → Python `re`.

nginx compiles location, rewrite and server_name regexes with PCRE, byte-oriented and
without UTF mode. The common syntax is shared with Python; the differences handled here:
named groups `(?<name>...)`/`(?'name'...)`, back-references `\\k<name>`, `\\z`/`\\Z`,
`\\Q...\\E`, `\\h`, and POSIX classes `[[:alpha:]]`. ``re.ASCII`` keeps `\\w`, `\\d`, `\\s`
and case folding ASCII-only like PCRE's defaults; subjects and patterns are matched as
bytes (one character per UTF-8 byte), as PCRE without UTF mode does.
"""

from __future__ import annotations

import re
from functools import lru_cache

_POSIX = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
    "space": r"\s", "xdigit": "0-9a-fA-F", "word": r"\w", "blank": r" \t",
    "punct": r"!-/:-@\[-`{-~", "cntrl": r"\x00-\x1f\x7f", "print": r" -~", "graph": r"!-~",
}


class RegexError(ValueError):
    """A PCRE pattern Python cannot evaluate."""


def translate(pattern: str) -> str:
    """The Python spelling of a PCRE pattern (raises :class:`RegexError`)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                lit = pattern[i + 2:] if end < 0 else pattern[i + 2:end]
                out.append(re.escape(lit))
                i = n if end < 0 else end + 2
                continue
            if nxt == "E":
                i += 2
                continue
            if not in_class and nxt == "z":
                out.append(r"\Z")
            elif not in_class and nxt == "Z":
                out.append(r"(?=\n?\Z)")
            elif nxt == "h":
                out.append(r"[ \t]" if not in_class else r" \t")
            elif nxt == "k" and i + 2 < n and pattern[i + 2] in "<{'":
                close = {"<": ">", "{": "}", "'": "'"}[pattern[i + 2]]
                end = pattern.find(close, i + 3)
                if end < 0:
                    raise RegexError(f"unterminated \\k in {pattern!r}")
                out.append(f"(?P={pattern[i + 3:end]})")
                i = end + 1
                continue
            else:
                out.append(c + nxt)
            i += 2
            continue
        if in_class:
            if c == "[" and pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                name = pattern[i + 2:end] if end > 0 else ""
                negated = name.startswith("^")
                if negated or name not in _POSIX:
                    raise RegexError(f"unsupported POSIX class [:{name}:]")
                out.append(_POSIX[name])
                i = end + 2
                continue
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            # a ']' right after '[' or '[^' is a literal member
            if pattern.startswith("^", i):
                out.append("^")
                i += 1
            if pattern.startswith("]", i):
                out.append(r"\]")
                i += 1
            continue
        if c == "(" and pattern.startswith("(?<", i) and i + 3 < n and pattern[i + 3] not in "=!":
            out.append("(?P<")
            i += 3
            continue
        if c == "(" and pattern.startswith("(?'", i):
            end = pattern.find("'", i + 3)
            if end < 0:
                raise RegexError(f"unterminated group name in {pattern!r}")
            out.append(f"(?P<{pattern[i + 3:end]}>")
            i = end + 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _bytes_view(text: str) -> str:
    """One character per UTF-8 byte: PCRE without UTF mode sees bytes, so `.` in
    `^/one/.$` matches one byte of `é`, and `~*` folds ASCII letters only."""
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def _text(view: str | None) -> str:
    return "" if view is None else view.encode("latin-1").decode("utf-8", "surrogateescape")


class PcreMatch:
    """A match with its captures turned back into text (`$1`..., named captures)."""

    __slots__ = ("_m",)

    def __init__(self, m: re.Match[str]) -> None:
        self._m = m

    def groups(self) -> tuple[str, ...]:
        return tuple(_text(g) for g in self._m.groups())

    def groupdict(self) -> dict[str, str]:
        return {k: _text(v) for k, v in self._m.groupdict().items()}


class Pcre:
    """A compiled PCRE pattern evaluated the way nginx does: on bytes, search semantics."""

    __slots__ = ("pattern", "_rx", "_ascii")

    def __init__(self, pattern: str, caseless: bool) -> None:
        self.pattern = pattern
        flags = re.ASCII | (re.IGNORECASE if caseless else 0)
        try:
            self._rx = re.compile(translate(_bytes_view(pattern)), flags)
        except re.error as e:
            raise RegexError(f"{pattern!r}: {e}") from None

    @property
    def groups(self) -> int:
        """The number of capturing groups (`$1`...)."""
        return self._rx.groups

    def search(self, text: str) -> PcreMatch | None:
        m = self._rx.search(text if text.isascii() else _bytes_view(text))
        return PcreMatch(m) if m else None


@lru_cache(maxsize=4096)
def compile_pcre(pattern: str, caseless: bool = False) -> Pcre:
    """Compile a PCRE pattern for matching nginx-style (raises :class:`RegexError`)."""
    return Pcre(pattern, caseless)
