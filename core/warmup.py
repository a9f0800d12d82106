"""What a worker process does once, after loading and before serving.

Python's cyclic garbage collector walks every container object it tracks each time its
oldest generation is collected: in a worker that is mostly what loading left behind
(Django, the apps, every view module, viewflow, python-docx, the compiled URL patterns),
some two hundred thousand objects that live as long as the process. Walking them again and
again is pure overhead on requests (measured on the approval: see docs/PERFORMANCE.md,
"The garbage collector"). `settle()` loads what the first requests would load anyway and
moves it all to the collector's permanent generation (`gc.freeze()`), where it is no
longer walked; objects created afterwards are collected as usual. Before a fork (Celery's
prefork pool) it also keeps those pages shared between the parent and its children.
"""

import gc

from django.urls import get_resolver


def settle() -> int:
    """Import every view the URLconf names, collect, and freeze what is left: returns how
    many objects were frozen."""
    get_resolver().url_patterns  # noqa: B018 - evaluating it imports the views
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
