"""The directive tree: every node knows its file and exact byte span."""

from __future__ import annotations

import bisect
from itertools import accumulate
from pathlib import Path
from typing import Iterator


class SourceFile:
    """One config file's text, with byte/char/line conversions.

    Spans everywhere in nglint are *byte* offsets into ``data``; columns are 1-based
    character columns (what editors show).
    """

    def __init__(self, path: Path, data: bytes, text: str, display: str | None = None, *,
                 byte_offsets: list[int] | None = None) -> None:
        self.path = path
        self.display = display or str(path)  # how diagnostics name the file
        self.data = data
        self._ascii = len(data) == len(text) and byte_offsets is None
        # Pure ASCII text is ``data`` again: not kept twice (the parser, its one reader,
        # decodes it on demand; 6 MB less for a 10k-server config).
        self._text = None if self._ascii else text
        self._line_starts: list[int] | None = None  # built on first use, see _lines()
        # char offset → byte offset; given when ``text`` is not a plain UTF-8 decoding of
        # ``data`` (invalid bytes shown as U+FFFD), else built on first use.
        self._char_to_byte: list[int] | None = byte_offsets

    @property
    def text(self) -> str:
        return self.data.decode("ascii") if self._text is None else self._text

    def byte_offset(self, char_offset: int) -> int:
        if self._ascii:
            return char_offset
        if self._char_to_byte is None:
            table, b = [], 0
            for ch in self.text:
                table.append(b)
                b += len(ch.encode("utf-8"))
            table.append(b)
            self._char_to_byte = table
        return self._char_to_byte[char_offset]

    def _lines(self) -> list[int]:
        """Byte offsets where lines start (a file without diagnostics never needs them)."""
        if self._line_starts is None:
            # In C, not a Python loop per line: each line's length plus its newline, summed
            # up. The last sum, len(data) + 1, is past the end.
            starts = [0]
            starts += accumulate(map((1).__add__, map(len, self.data.split(b"\n"))))
            starts.pop()
            self._line_starts = starts
        return self._line_starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and character column of a byte offset."""
        starts = self._lines()
        line = bisect.bisect_right(starts, offset) - 1
        start = starts[line]
        col = len(self.data[start:offset].decode("utf-8", "surrogateescape")) + 1 if not self._ascii else offset - start + 1
        return line + 1, col

    def line_text(self, line: int) -> str:
        starts = self._lines()
        start = starts[line - 1]
        end = starts[line] if line < len(starts) else len(self.data)
        return self.data[start:end].decode("utf-8", "replace").rstrip("\r\n")

    def __repr__(self) -> str:
        return f"SourceFile({self.display!r})"


# The node classes are plain slotted classes: @dataclass would cost ~1 ms per class at
# every start (a cold `nglint check` is ~100 ms); instances behave the same.
class Arg:
    __slots__ = ("value", "start", "end", "quoted")

    def __init__(self, value: str, start: int, end: int, quoted: bool) -> None:
        self.value = value  # unquoted value, as crossplane reports it
        self.start = start  # byte span of the written form (quotes included)
        self.end = end
        self.quoted = quoted

    def __repr__(self) -> str:
        return f"Arg({self.value!r}, {self.start}, {self.end}, quoted={self.quoted})"

    @property
    def value_start(self) -> int:
        return self.start + 1 if self.quoted else self.start

    @property
    def value_end(self) -> int:
        """Byte offset just after the value (before a closing quote): where to append."""
        return self.end - 1 if self.quoted else self.end


class Comment:
    __slots__ = ("text", "file", "start", "end", "parent")
    name = "#"

    def __init__(self, text: str, file: SourceFile, start: int, end: int, parent: Directive | None = None) -> None:
        self.text = text  # starting at '#'
        self.file = file
        self.start = start
        self.end = end
        self.parent = parent

    def __repr__(self) -> str:
        return f"Comment({self.text!r} at {self.file.display}:{self.start})"

    @property
    def line(self) -> int:
        return self.file.line_col(self.start)[0]


class Directive:
    __slots__ = ("name", "args", "file", "start", "end", "name_end", "block", "block_start", "block_end", "parent",
                 "children", "included", "synthetic", "_names", "_kids", "_index", "_from", "_match")

    def __init__(self, name: str, args: list[Arg], file: SourceFile, start: int, end: int, name_end: int,
                 block: list[Node] | None = None, block_start: int = -1, block_end: int = -1,
                 parent: Directive | None = None, children: list[Node] | None = None,
                 included: list[SourceFile] | tuple[()] = (), synthetic: bool = False) -> None:
        self.name = name
        self.args = args
        self.file = file
        self.start = start  # first byte of the name
        self.end = end  # byte after the terminating `;` or closing `}`
        self.name_end = name_end
        self.block = block  # syntactic children (this file only)
        self.block_start = block_start  # byte offset of `{`
        self.block_end = block_end  # byte offset of `}`
        self.parent = parent  # effective parent (through includes)
        self.children = children  # effective children: includes expanded
        # The files an `include` read, in order; () for every other directive (a list each
        # would cost 56 bytes and one more object for the garbage collector to traverse).
        self.included = included
        self.synthetic = synthetic  # a block nglint made up (the server around a location snippet)
        # The child directives and their names (see _own()), a name index for big blocks, and
        # the body list they were built from.
        self._names: tuple[str, ...] = ()
        self._kids: tuple[Directive, ...] = ()
        self._index: dict[str, list[Directive]] | None = None
        self._from: list[Node] | None = None
        # A location's parsed match, kept by nglint.nginx.model.location_match(): a dozen rules
        # and the simulator ask for it, and the arguments do not change once loaded.
        self._match: object = None
        # (new_directive() below sets the same attributes: keep both in step.)

    # -- convenience -------------------------------------------------------
    @property
    def line(self) -> int:
        return self.file.line_col(self.start)[0]

    @property
    def values(self) -> list[str]:
        return [a.value for a in self.args]

    @property
    def location(self) -> str:
        return f"{self.file.display}:{self.line}"

    def body(self) -> list[Node]:
        """Effective block contents (includes expanded), [] for a simple directive."""
        if self.children is not None:
            return self.children
        return self.block or []

    def _own(self) -> tuple[tuple[str, ...], tuple[Directive, ...]]:
        """(names, directives) of the direct child directives (effective), in order.

        Built on first use and kept: rules and the simulator ask each block for its
        children by name over and over. Two tuples per block, not a dict of lists: the
        names tuple holds only strings, so the garbage collector stops tracking it, and
        every object a lint keeps alive is one more to traverse in each full collection.
        Blocks with more than _INDEXED children (`http` with thousands of servers) also
        get a name → directives dict. Trees do not change once loaded; during loading
        the loader replaces a block's ``children`` list when it expands includes, and
        these are rebuilt when the list they came from is no longer the body.
        """
        body = self.children if self.children is not None else self.block
        if body is None:
            return (), ()
        if self._from is not body:
            kids = tuple([node for node in body if isinstance(node, Directive)])
            self._names, self._kids, self._from = tuple([d.name for d in kids]), kids, body
            index: dict[str, list[Directive]] | None = None
            if len(kids) > _INDEXED:
                index = {}
                for d in kids:
                    found = index.get(d.name)
                    if found is None:
                        index[d.name] = [d]
                    else:
                        found.append(d)
            self._index = index
        return self._names, self._kids

    def child_names(self) -> tuple[str, ...]:
        """The names of the direct child directives (effective), in order: for quick
        tests such as ``"location" in d.child_names()``."""
        # Built for the current body (what _own() checks), tested inline: rules and the
        # simulator ask tens of thousands of times per lint, and the call costs more.
        if self._from is not None and self._from is self.children:
            return self._names
        return self._own()[0]

    def named(self, *names: str) -> list[Directive]:
        """The direct child directives (effective) called any of ``names``, in order.
        The list may be shared: do not modify it."""
        if self._from is not None and self._from is self.children:  # as in child_names()
            own, kids = self._names, self._kids
        else:
            own, kids = self._own()
        index = self._index
        if index is not None:
            if len(names) == 1:
                return index.get(names[0], [])
            key = "\0".join(names)  # several names at once, remembered like one name
            found = index.get(key)
            if found is None:
                found = index[key] = [d for d in kids if d.name in names]
            return found
        # Small blocks: the tuple searches run in C, so most lookups (absent, or once)
        # never loop in Python.
        if len(names) == 1:
            name = names[0]
            if name not in own:
                return []
            if own.count(name) == 1:
                return [kids[own.index(name)]]
            return [d for d in kids if d.name == name]
        for name in names:
            if name in own:
                return [d for d in kids if d.name in names]
        return []

    def directives(self, name: str | None = None) -> Iterator[Directive]:
        """Direct child directives (effective), optionally only those called ``name``."""
        if name is None:
            return iter(self._own()[1])
        return iter(self.named(name))

    def find(self, name: str) -> Directive | None:
        own, kids = self._own()
        if self._index is not None:
            found = self._index.get(name)
            return found[0] if found else None
        return kids[own.index(name)] if name in own else None

    def enclosing(self, name: str) -> Directive | None:
        node = self.parent
        while node is not None and node.name != name:
            node = node.parent
        return node

    def ancestors(self) -> Iterator[Directive]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def walk(self) -> Iterator[Directive]:
        """This directive and every directive below it, in order."""
        yield self
        # An explicit stack, not recursive `yield from`: each node then passes through one
        # generator instead of one per ancestor.
        stack = [iter(self.body())]
        while stack:
            for node in stack[-1]:
                if isinstance(node, Directive):
                    yield node
                    if node.children is not None or node.block:
                        stack.append(iter(node.body()))
                        break  # descend; the loop over this level resumes after the block
            else:
                stack.pop()

    def __repr__(self) -> str:
        return f"<{self.name} {' '.join(self.values)} @{self.location}>"


Node = Directive | Comment
_INDEXED = 16  # see Directive._own()

_new = object.__new__


def new_directive(name: str, args: list[Arg], file: SourceFile, start: int, end: int, name_end: int,
                  parent: Directive | None) -> Directive:
    """``Directive(name, args, file, start, end, name_end, parent=parent)``, for the parser and
    the loader's copies (64k nodes at 2k servers): made without the class call, whose
    type.__call__ → __init__ path runs a second interpreter loop and costs a third more."""
    d = _new(Directive)
    d.name = name
    d.args = args
    d.file = file
    d.start = start
    d.end = end
    d.name_end = name_end
    d.block = None
    d.block_start = -1
    d.block_end = -1
    d.parent = parent
    d.children = None
    d.included = ()
    d.synthetic = False
    d._names = ()
    d._kids = ()
    d._index = None
    d._from = None
    d._match = None
    return d
