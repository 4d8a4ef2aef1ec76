"""nglint's built-in rule pack: one module per rule."""

if __name__ != "nglint.rules":
    raise ImportError(f"rules/ must be imported as nglint.rules (got {__name__})")
