"""When the cyclic garbage collector runs during decisions. A decision allocates many small objects (terms, sets, row
dicts) that reference counting frees; the collections their allocation triggers scan them, and the build, and free
almost nothing: measured on a 2,000-patient synthetic cohort (2-core machine), 125 decisions/s with the collector's
default thresholds and about 215/s with it paused during each chunk of decisions and run on the young generations
after it. For one cold ``kg decide``, the full collections that scanned what the decision makes of the build (its
tables, the classifier, the allow-list: it lives as long as the knowledge) found nothing to free (about 75 ms), and
the first collection after it would scan all of it again (about 13 ms): frozen instead. Reference counting frees
what it always frees meanwhile; only objects in reference cycles wait for the collection at the end of the block."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_collections(*, freeze_after: bool = False) -> Iterator[None]:
    """The block runs without the cyclic garbage collector (if it was enabled: it is restored, even on an error).
    After it: a collection of the young generations, which frees the cycles the block left (``freeze_after=False``,
    a chunk of a cohort), or a freeze of whatever the block made (``freeze_after=True``: one decision in a process
    that ends after it, whose objects live as long as the process; the next collection would scan them for nothing)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if freeze_after:
                gc.freeze()
            else:
                gc.collect(1)
            gc.enable()
