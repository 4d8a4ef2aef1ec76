"""Request-URI handling as nginx does it before location matching.

``normalize_path`` follows nginx's complex-URI parser: `%XX` is decoded and the decoded
byte takes part in the parsing (`%2F` acts as `/`, `%2e%2e` as `..`), except that a
decoded `%`, `#` or `?` is kept literally; `.`/`..` segments are resolved, climbing above
`/` is a 400; repeated slashes are merged when `merge_slashes` is on; a raw `?` starts the
arguments and a raw `#` ends the URI.
"""

from __future__ import annotations

_HEX = "0123456789abcdefABCDEF"


class BadRequest(ValueError):
    """The request line nginx would answer with 400."""


def split_request_target(target: str) -> tuple[str, str | None]:
    """(raw path, raw args or None) of a request target: the first raw `?` starts the
    arguments, a raw `#` ends whatever it is in."""
    q, h = target.find("?"), target.find("#")
    if q < 0 or 0 <= h < q:
        return (target[:h] if h >= 0 else target), None
    args = target[q + 1:]
    return target[:q], args.split("#", 1)[0]


def normalize_path(raw: str, merge_slashes: bool = True) -> str:
    """The `$uri` nginx derives from a raw request path (without the query string).

    Raises :class:`BadRequest` where nginx answers 400 (bad `%` escape, `%00`, `..` above
    the root, a path not starting with `/`).
    """
    if not raw.startswith("/"):
        raise BadRequest(f"request path {raw!r} does not start with /")
    if "%" not in raw and "#" not in raw and "//" not in raw and "/." not in raw:
        return raw  # nothing to decode, merge or resolve: the parser below would copy it as is
    data = raw.encode("utf-8", "surrogateescape")
    out = bytearray()
    i, n = 0, len(data)
    # state: "usual" | "slash" | "dot" | "dotdot"
    state = "usual"
    while i < n:
        ch = data[i]
        i += 1
        literal = False
        if ch == 0x25:  # %
            if i + 2 > n or chr(data[i]) not in _HEX or chr(data[i + 1]) not in _HEX:
                raise BadRequest(f"bad % escape in {raw!r}")
            hi, lo = chr(data[i]), chr(data[i + 1])
            ch = int(hi + lo, 16)
            i += 2
            if ch == 0:
                raise BadRequest("%00 in the request path")
            # a decoded %, # or ? is data, never syntax
            literal = ch in (0x25, 0x23, 0x3F)
        elif ch == 0x23:  # raw '#': the rest is a fragment
            break
        if literal:
            out.append(ch)
            state = "usual"
            continue
        if ch == 0x2F:  # '/'
            if state == "slash":
                if not merge_slashes:
                    out.append(ch)
            elif state == "dot":
                # "/./" → drop the dot
                out.pop()
                state = "slash"
            elif state == "dotdot":
                _climb(out)
                state = "slash"
            else:
                out.append(ch)
                state = "slash"
            continue
        if ch == 0x2E and state in ("slash", "dot"):  # '.' right after '/' (or after "/.")
            out.append(ch)
            state = "dot" if state == "slash" else "dotdot"
            continue
        out.append(ch)
        state = "usual"
    if state == "dot":
        out.pop()
    elif state == "dotdot":
        _climb(out)
    return out.decode("utf-8", "surrogateescape")


def _climb(out: bytearray) -> None:
    """Remove the trailing "/seg/.." from ``out`` (which ends with "/.."), keeping the "/"
    before it; climbing above the root is a bad request."""
    del out[-2:]  # the two dots; out now ends with "/"
    if len(out) <= 1:
        raise BadRequest("'..' climbs above the root")
    j = len(out) - 2
    while j >= 0 and out[j] != 0x2F:
        j -= 1
    if j < 0:
        raise BadRequest("'..' climbs above the root")
    del out[j + 1:]


# Bytes nginx escapes in a URI it sends upstream or in a redirect (ngx_escape_uri,
# NGX_ESCAPE_URI): controls, space, " # % < > ? \ ^ ` { | } DEL and all non-ASCII bytes.
_URI_UNSAFE = frozenset(list(range(0x21)) + [0x22, 0x23, 0x25, 0x3C, 0x3E, 0x3F, 0x5C, 0x5E, 0x60,
                                            0x7B, 0x7C, 0x7D] + list(range(0x7F, 0x100)))


def escape_uri(uri: str) -> str:
    """nginx's URI escaping (upper-case hex)."""
    data = uri.encode("utf-8", "surrogateescape")
    if not any(b in _URI_UNSAFE for b in data):
        return uri
    return "".join(f"%{b:02X}" if b in _URI_UNSAFE else chr(b) for b in data)


def unescape(text: str) -> str:
    """Plain %XX decoding (used for `rewrite ... redirect` targets); bad escapes stay."""
    data = text.encode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    while i < len(data):
        b = data[i]
        if b == 0x25 and i + 2 < len(data) and chr(data[i + 1]) in _HEX and chr(data[i + 2]) in _HEX:
            out.append(int(data[i + 1:i + 3], 16))
            i += 3
            continue
        out.append(b)
        i += 1
    return out.decode("utf-8", "surrogateescape")
