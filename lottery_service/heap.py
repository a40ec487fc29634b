"""The cyclic garbage collector around what a worker keeps for good (issue 13 §6).

A serving worker holds the signed log's entries and the families' receipt index for
the life of the process, and they only grow. Building them allocates millions of
small objects with no reference cycles; left to itself the collector rescans all of
them at every full collection, which at city scale is half the cost of taking in a
new checkpoint. `long_lived()` pauses the collector while they are built and then
freezes them (`gc.freeze`: later collections skip them; reference counting still
frees them when dropped). A write step (the draw: an outcome record per applicant)
builds as many transient objects, and `paused()` spares it the same rescans.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["long_lived", "paused"]


@contextmanager
def paused() -> Iterator[None]:
    """Run a bulk step with the cyclic collector off (as it was before, after)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def long_lived() -> Iterator[None]:
    """Build what lives as long as the process: collector paused, then frozen."""
    with paused():
        try:
            yield
        finally:
            gc.freeze()
