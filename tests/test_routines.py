"""tg.stack, tg.concatenate / tg.cat, tg.where, tg.maximum, tg.minimum, tg.clip, tg.tile
(routines.py) as a user calls them: numbers and arrays are constants, the graph is recorded,
and each equals the numpy function of the same name. (The ops' own properties are in
tests/ops/test_combine.py, test_select.py and test_shape.py.)"""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor


def test_cat_is_concatenate():
    assert tg.cat is tg.concatenate


def test_a_small_network_written_with_the_routines():
    # two features built with stack and maximum, clipped, joined: every step keeps w's graph
    w = Tensor([0.5, -1.0], requires_grad=True)
    x = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 4.0]])
    hidden = tg.maximum(Tensor(x) * w, 0.0)                       # relu(x·w), per feature
    both = tg.cat([hidden, tg.tile(w, (3, 1))], axis=1)           # (3, 4)
    y = tg.where(both.numpy() > 0.4, both, 0.0).clip(-1.0, 1.0)
    y.sum().backward()
    h = np.maximum(x * w.data, 0.0)
    full = np.concatenate([h, np.tile(w.data, (3, 1))], axis=1)
    kept = (full > 0.4) & (full <= 1.0)  # passed by where and not cut by clip
    expected = (kept[:, :2] * (x * w.data > 0) * x).sum(axis=0) + kept[:, 2:].sum(axis=0)
    np.testing.assert_allclose(w.grad, expected, rtol=1e-15)


def test_stack_of_rows_and_numpy_functions_agree():
    rows = [Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)]
    for a, b in [(tg.stack(rows), np.stack(rows)), (tg.stack(rows, 1), np.stack(rows, axis=1)),
                 (tg.maximum(rows[0], 1.5), np.maximum(rows[0], 1.5)),
                 (tg.minimum(2.5, rows[1]), np.minimum(2.5, rows[1])),
                 (tg.where([True, False], rows[0], rows[1]),
                  np.where([True, False], rows[0], rows[1])),
                 (tg.clip(rows[0], 1.5, None), np.clip(rows[0], 1.5, None)),
                 (tg.tile(rows[0], 2), np.tile(rows[0], 2))]:
        assert type(a) is Tensor and type(b) is Tensor and a.op == b.op and a.requires_grad
        np.testing.assert_array_equal(a.data, b.data)


def test_clip_and_tile_accept_arrays():
    assert tg.clip(np.array([-2.0, 2.0]), -1, 1).tolist() == [-1.0, 1.0]
    assert tg.tile([1.0, 2.0], 2).tolist() == [1.0, 2.0, 1.0, 2.0]
