"""The cyclic garbage collector paused while a big structure is built (the tree, the
routing tables, what the rules keep): shared by loading, routing and linting."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many objects are created. A config's tokens
    and tree are hundreds of thousands of small objects: the collector would rescan them
    over and over while they are being built, only to find nothing to free.

    On the way out, what was built goes straight to the oldest generation: left young, the
    tree would be traversed by the next young, then middle, then full collection, and each
    traversal of a 2k-server tree costs about as much as building it. freeze() + unfreeze()
    moves every tracked object to the oldest generation without traversing any of them;
    they are still collected (by a full collection) once unreachable. Skipped when the
    process froze objects itself: unfreeze() would release them too."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()
