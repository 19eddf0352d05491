"""Views share their base's version counter (tensor.py): a write through a reshape or a
transpose of a tensor is caught by the next backward that needs the tensor's old values.
Slices are copies: writing to one changes nothing else."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor

STALE = "changed in place"

VIEWS: dict[str, tuple[tuple[int, ...], Callable[[Tensor], Tensor]]] = {
    "reshape": ((4,), lambda x: x.reshape(2, 2)),
    "reshape-minus-1": ((2, 2), lambda x: x.reshape(-1)),
    "transpose": ((2, 2), lambda x: x.transpose()),
    "transpose-axes": ((2, 3), lambda x: x.transpose(1, 0)),
    "T": ((2, 2), lambda x: x.T),
    "view-of-a-view": ((4,), lambda x: x.reshape(2, 2).T),
}


def leaf(shape: tuple[int, ...]) -> Tensor:
    return Tensor(np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape), requires_grad=True,
                  name="x")


@pytest.mark.parametrize("name", list(VIEWS))
@pytest.mark.parametrize("made", ["before", "after"])
def test_a_write_through_a_views_data_is_caught(name, made):
    # the example: z built from x, then `v.data -= 1` on a view v of x
    shape, view = VIEWS[name]
    x = leaf(shape)
    v = view(x) if made == "before" else None
    z = (x * x).sum()
    if v is None:
        v = view(x)
    assert np.shares_memory(v.data, x.data)  # the premise: numpy gave a view
    v.data -= 1
    with pytest.raises(RuntimeError, match=f"'x'.*{STALE}"):
        z.backward()


@pytest.mark.parametrize("name", list(VIEWS))
def test_an_in_place_update_of_a_view_under_no_grad_is_caught(name):
    shape, view = VIEWS[name]
    x = leaf(shape)
    z = (x * x).sum()
    v = view(x)
    with tg.no_grad():
        v -= 1
    np.testing.assert_array_equal(x.data, leaf(shape).data - 1)  # it did write x's values
    with pytest.raises(RuntimeError, match=STALE):
        z.backward()


@pytest.mark.parametrize("name", list(VIEWS))
def test_a_write_through_the_base_is_caught_where_a_view_was_saved(name):
    shape, view = VIEWS[name]
    x = leaf(shape)
    with tg.no_grad():
        v = view(x)  # no reshape/transpose op in the graph to notice x's change
    w = Tensor(np.ones(v.shape), requires_grad=True)
    z = (v * w).sum()  # mul saved v's values, which are x's memory
    x.data -= 1
    with pytest.raises(RuntimeError, match=STALE):
        z.backward()


def test_a_write_through_a_sibling_view_is_caught():
    x = leaf((4,))
    a, b = x.reshape(4, 1), x.reshape(1, 4)
    z = (a * a).sum()
    b.data *= 2.0
    with pytest.raises(RuntimeError, match=STALE):
        z.backward()


def test_a_view_made_under_no_grad_still_shares_the_counter():
    x = leaf((4,))
    z = (x * x).sum()
    with tg.no_grad():
        v = x.reshape(2, 2)
    assert not v.requires_grad
    v += 1.0  # allowed while recording: v does not require grad; but it writes x
    with pytest.raises(RuntimeError, match=STALE):
        z.backward()


def test_a_write_through_a_view_of_an_ops_output_is_caught():
    x = leaf((2, 2))
    y = x.exp()  # exp's rule uses its output
    v = y.T
    with tg.no_grad():
        v += 1.0
    with pytest.raises(RuntimeError, match="output.*" + STALE):
        y.sum().backward()


def test_views_and_their_base_count_versions_together():
    x = leaf((2, 3))
    v = x.reshape(3, 2)
    w = v.T
    assert x.version == v.version == w.version == 0
    w.data += 1.0
    assert x.version == v.version == w.version == 1
    with tg.no_grad():
        x *= 2.0
    assert x.version == v.version == w.version == 2


def test_a_view_whose_data_is_rebound_no_longer_shares_the_counter():
    x = leaf((4,))
    v = x.reshape(2, 2)
    v.data = np.zeros((2, 2))  # v now has memory of its own
    z = (x * x).sum()
    version = x.version
    v.data -= 1.0
    with tg.no_grad():
        v += 5.0
    assert x.version == version  # x's values never changed...
    np.testing.assert_array_equal(x.data, [1.0, 2.0, 3.0, 4.0])
    z.backward()  # ...so its saved values are good
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0, 8.0])
    np.testing.assert_array_equal(v.data, np.full((2, 2), 4.0))


def test_a_reshape_that_numpy_had_to_copy_shares_nothing():
    x = leaf((2, 3))
    z = (x * x).sum()
    w = x.T.reshape(6)  # a transpose is not contiguous: this reshape is a copy
    assert not np.shares_memory(w.data, x.data)
    w.data -= 1.0
    assert x.version == 0
    z.backward()
    np.testing.assert_array_equal(x.grad, 2 * leaf((2, 3)).data)


# ---------------------------------------------------------------------------
# slices are copies
# ---------------------------------------------------------------------------

SLICES: dict[str, Callable[[Tensor], Tensor]] = {
    "basic": lambda x: x[1:3],
    "step": lambda x: x[::2],
    "int-then-slice": lambda x: x.reshape(2, 2)[0],
    "ellipsis": lambda x: x[...],
}


@pytest.mark.parametrize("name", list(SLICES))
def test_a_write_to_a_slices_data_changes_nothing_else(name):
    x = leaf((4,))
    z = (x * x).sum()
    s = SLICES[name](x)
    assert not np.shares_memory(s.data, x.data)
    s.data -= 100.0
    with tg.no_grad():
        s *= 3.0
    np.testing.assert_array_equal(x.data, [1.0, 2.0, 3.0, 4.0])
    z.backward()  # x's values are intact, so its gradient is right
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0, 8.0])


def test_a_write_to_a_slice_does_not_corrupt_the_slices_own_backward():
    x = leaf((4,))
    s = x[1:3]
    y = (s * s).sum()  # mul saved s's values
    s.data -= 1.0
    with pytest.raises(RuntimeError, match=STALE):
        y.backward()
