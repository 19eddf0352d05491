"""Counting in-place changes, so that backward never uses values that changed under it.

Backward computes each gradient from arrays the forward pass saved. If one of them is changed
in place in between (``w.data -= ...``, ``w -= ...`` under no_grad), the gradient would be
computed from the wrong numbers. So the changes are counted: ``CHANGES`` counts every in-place
change in the process, each tensor remembers that count at its latest change (``_changed_at``)
and each op the count when it ran (``Function.changes_before``, set by ``apply``). The values an
op saved are stale exactly when one of its tensors changed after it ran:
``t._changed_at > fn.changes_before`` (``guards.check_saved_values``). Each tensor also counts
its own changes in ``_version`` (``Tensor.version``).

Views complicate it: numpy's ``reshape`` and ``transpose`` return *views*, arrays that share
their memory with the original, so a change through one is a change of the other. A view
tensor keeps its owner (``_base``), the owner keeps its live views (``_views``, weakly), and a
change through any of them counts for all of them.

An op recorded after the latest change (``fn.changes_before == CHANGES.count``) has nothing
stale to look for, and backward skips its check: in a training loop the updates come before the
next forward, so backward checks nothing. (Checking every op's tensors instead cost ~4 % of W1,
a small network's training step: callgrind instruction counts.)
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Sequence
from typing import Protocol

import numpy as np


class InPlaceChanges:
    """How many times tensor values were changed in place, in any thread, so far."""

    def __init__(self) -> None:
        # `CHANGES.count += 1` needs no lock: under the GIL no other thread runs inside it (it
        # makes no call and no jump, where CPython switches threads), so no change is lost.
        # The same holds for each tensor's `_version += 1`. (Another thread's change between
        # the `+= 1` and reading the count for `_changed_at` only makes that stamp later,
        # which is still after every op that ran before this change.)
        self.count = 0


CHANGES = InPlaceChanges()


class Versioned(Protocol):
    """What this module reads and writes of a tensor."""

    _data: np.ndarray
    _version: int
    _changed_at: int
    _base: Versioned | None
    _views: dict[int, weakref.ref[Versioned]] | None


def count_change(t: Versioned) -> None:
    """``t``'s values changed in place: count it for t, for its owner and for all views."""
    CHANGES.count += 1
    now = CHANGES.count
    owner = t if t._base is None else t._base
    owner._version += 1
    owner._changed_at = now
    if owner._views:
        for ref in list(owner._views.values()):
            view = ref()
            if view is not None:
                view._version += 1
                view._changed_at = now


def link_view(view: Versioned, memory: np.ndarray, inputs: Sequence[Versioned]) -> None:
    """If ``view``'s array is a view of ``memory`` that an input owns or views too, link
    ``view`` to that input's owner, so that in-place changes count for both."""
    for t in inputs:
        if t._data is memory or t._data.base is memory:
            owner = t if t._base is None else t._base
            if owner._views is None:
                owner._views = {}
            views, key = owner._views, id(view)
            # weakly: a view that is gone removes itself (its id may then be reused)
            views[key] = weakref.ref(view, functools.partial(_forget, views, key))
            view._base = owner
            return


def unlink_view(view: Versioned) -> None:
    """``view`` got an array of its own (``view.data = ...``): it shares nothing any more."""
    if view._base is not None and view._base._views is not None:
        view._base._views.pop(id(view), None)
    view._base = None


def _forget(views: dict[int, weakref.ref[Versioned]], key: int, _: object) -> None:
    views.pop(key, None)
