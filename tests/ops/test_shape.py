"""Ops that move elements: reshape (with -1 and a tuple), transpose (axes and .T), indexing
(basic slices, integer arrays with repeated indices, masks), flip, broadcast_to, tile, clone."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from vjp_check import check_vjp

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.testing import tensors

# These ops are linear (exact central differences up to rounding, ~1e-16·|F|/eps < 1e-7).
TOL = {"atol": 1e-6, "rtol": 1e-5}
seeds = st.integers(0, 2**32 - 1)


def scatter_oracle(shape: tuple[int, ...], index, R: np.ndarray) -> np.ndarray:
    """d Σ(x[index]·R)/dx without np.add.at: index the array of positions, then add R per
    position (a position read k times receives k contributions)."""
    size = int(np.prod(shape))
    positions = np.arange(size).reshape(shape)[index]
    return np.bincount(np.ravel(positions), weights=np.ravel(R), minlength=size).reshape(shape)


# ---------------------------------------------------------------------------
# reshape
# ---------------------------------------------------------------------------


@st.composite
def reshape_targets(draw, size: int):
    """A shape with ``size`` elements, split into random factors, maybe with one -1."""
    dims, rest = [], size
    while rest > 1 and len(dims) < 4:
        divisors = [d for d in range(2, rest + 1) if rest % d == 0]
        d = draw(st.sampled_from(divisors))
        dims.append(d)
        rest //= d
    if rest > 1:
        dims.append(rest)  # whatever the four factors left over
    dims += [1] * draw(st.integers(0, 1))
    dims = draw(st.permutations(dims)) if dims else []
    if dims and draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return tuple(dims)


@given(data=st.data(), seed=seeds)
def test_reshape_forward_and_gradient(data, seed):
    x = data.draw(tensors())
    target = data.draw(reshape_targets(x.size))
    expected = x.data.reshape(target)
    for out in (x.reshape(*target), x.reshape(target), x.reshape(list(target))):
        assert out.op == "reshape" and out.shape == expected.shape
        np.testing.assert_array_equal(out.data, expected)
    check_vjp(lambda t: t.reshape(target), x, seed=seed, tol=TOL)


def test_reshape_examples():
    x = Tensor(np.arange(6.0), requires_grad=True)
    assert x.reshape(2, -1).shape == (2, 3)
    assert x.reshape(-1).shape == (6,)
    assert x.reshape((3, 2)).shape == (3, 2)
    assert x.reshape(1, 6, 1).shape == (1, 6, 1)
    assert Tensor(5.0).reshape(1, 1).shape == (1, 1)
    assert Tensor([5.0]).reshape(()).shape == ()
    x.reshape(3, 2).backward(np.arange(6.0).reshape(3, 2) * 10)
    np.testing.assert_array_equal(x.grad, np.arange(6.0) * 10)


@pytest.mark.parametrize(
    "shape, expected",
    [
        ((4, 2), r"^reshape: cannot reshape \(2, 3\) \(6 elements\) to \(4, 2\) \(8 elements\)"),
        ((4, -1), r"^reshape: cannot reshape \(2, 3\) .*6 is not a multiple of 4"),
        ((-1, -1), r"^reshape: .*only one -1"),
        ((0, -1), r"^reshape: cannot reshape \(2, 3\)"),
        ((-2, -3), r"^reshape: .*not a valid shape"),
    ],
)
def test_reshape_errors(shape, expected):
    with pytest.raises(tg.ShapeError, match=expected):
        Tensor(np.ones((2, 3)), requires_grad=True).reshape(shape)


def test_reshape_sizes_must_be_ints():
    with pytest.raises(TypeError, match="reshape"):
        Tensor(np.ones(6)).reshape(2.0, 3)


# ---------------------------------------------------------------------------
# transpose
# ---------------------------------------------------------------------------


@given(data=st.data(), seed=seeds)
def test_transpose_forward_and_gradient(data, seed):
    x = data.draw(tensors())
    axes = tuple(data.draw(st.permutations(range(x.ndim))))
    written = tuple(ax - x.ndim if data.draw(st.booleans()) else ax for ax in axes)
    expected = np.transpose(x.data, axes)
    for out in (x.transpose(*written), x.transpose(written)):
        assert out.op == "transpose" and out.shape == expected.shape
        np.testing.assert_array_equal(out.data, expected)
    check_vjp(lambda t: t.transpose(written), x, seed=seed, tol=TOL)


@given(x=tensors(), seed=seeds)
def test_default_transpose_and_T_reverse_the_axes(x, seed):
    for out in (x.T, x.transpose()):
        np.testing.assert_array_equal(out.data, x.data.T)
    check_vjp(lambda t: t.T, x, seed=seed, tol=TOL)


@pytest.mark.parametrize("axes", [(0, 0), (0, 1, 2), (0, 2), (1,)])
def test_transpose_bad_axes(axes):
    with pytest.raises(tg.ShapeError, match=r"^transpose: axes .* \(2, 3\)"):
        Tensor(np.ones((2, 3))).transpose(axes)


# ---------------------------------------------------------------------------
# indexing
# ---------------------------------------------------------------------------


@given(data=st.data(), seed=seeds)
def test_basic_indexing_forward_and_gradient(data, seed):
    # ints, slices (with steps, negative too), Ellipsis and None, as numpy draws them
    x = data.draw(tensors(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)))
    index = data.draw(hnp.basic_indices(x.shape, allow_newaxis=True))
    out = x[index]
    expected = x.data[index]
    assert out.op == "index" and out.shape == np.shape(expected)
    np.testing.assert_array_equal(out.data, expected)
    assert not np.shares_memory(out.data, x.data)
    R = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(R)
    np.testing.assert_allclose(x.grad, scatter_oracle(x.shape, index, R), rtol=1e-15)
    check_vjp(lambda t: t[index], x, seed=seed, tol=TOL)


@given(data=st.data(), seed=seeds)
def test_integer_array_indexing_with_repeats(data, seed):
    x = data.draw(tensors(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)))
    index = data.draw(hnp.integer_array_indices(
        x.shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5)))
    out = x[index]
    np.testing.assert_array_equal(out.data, x.data[index])
    R = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(R)
    # a position read k times adds k entries of R, maybe in another order than the oracle:
    # the two sums are within 2k·2⁻⁵³·Σ|R| of each other (Higham), k <= R.size
    bound = 2 * R.size * 2.0**-53 * scatter_oracle(x.shape, index, np.abs(R))
    assert (np.abs(x.grad - scatter_oracle(x.shape, index, R)) <= bound).all()
    check_vjp(lambda t: t[index], x, seed=seed, tol=TOL)


def test_repeated_indices_accumulate():
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    y = x[[0, 0, 2, 0]]
    np.testing.assert_array_equal(y.data, [10.0, 10.0, 30.0, 10.0])
    y.backward(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(x.grad, [7.0, 0.0, 3.0])

    m = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    m[np.array([1, 1]), np.array([2, 2])].sum().backward()
    np.testing.assert_array_equal(m.grad, [[0, 0, 0], [0, 0, 2.0]])


def test_index_by_a_tensor_of_whole_numbers_and_by_a_mask():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    picked = x[Tensor([1, 0, 1])]
    np.testing.assert_array_equal(picked.data, x.data[[1, 0, 1]])
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad, [[1, 1, 1], [2, 2, 2.0]])
    with pytest.raises(IndexError, match="whole numbers"):
        x[Tensor([0.5])]

    x.grad = None
    mask = x.data > 2.5
    masked = x[mask]
    np.testing.assert_array_equal(masked.data, [3.0, 4.0, 5.0])
    masked.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad, [[0, 0, 0], [1, 2, 3.0]])


def test_mixed_slice_and_integer_array():
    x = Tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    out = x[1:, [0, 3, 3]]
    np.testing.assert_array_equal(out.data, x.data[1:, [0, 3, 3]])
    R = np.arange(6.0).reshape(2, 3)
    out.backward(R)
    np.testing.assert_array_equal(x.grad, scatter_oracle((3, 4), (slice(1, None), [0, 3, 3]), R))


def test_writing_to_an_indexed_result_does_not_reach_the_input():
    x = Tensor(np.arange(4.0))
    y = x[1:3]
    y.data[0] = 100.0
    np.testing.assert_array_equal(x.data, np.arange(4.0))


def test_index_out_of_range():
    with pytest.raises(IndexError, match=r"^index: .*\(2, 3\)"):
        Tensor(np.ones((2, 3)))[5]
    with pytest.raises(IndexError, match=r"^index: "):
        Tensor(np.ones((2, 3)))[:, [0, 3]]


def test_transpose_with_none_reverses_the_axes_as_numpy():
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    for out in (x.transpose(None), x.transpose(), np.transpose(x)):
        assert out.shape == (4, 3, 2)
        np.testing.assert_array_equal(out.data, np.transpose(x.data))


# ---------------------------------------------------------------------------
# flip, broadcast_to, tile, clone: the gradient of each is exact (no arithmetic but sums)
# ---------------------------------------------------------------------------


@st.composite
def axis_specs(draw, ndim: int):
    """None, an int or a tuple of distinct axes (negative too)."""
    if ndim == 0:
        return draw(st.sampled_from([None, ()]))
    return draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1),
                          hnp.valid_tuple_axes(ndim, min_size=1)))


@given(data=st.data(), seed=seeds)
def test_flip_forward_and_exact_gradient(data, seed):
    x = data.draw(tensors())
    axis = data.draw(axis_specs(x.ndim))
    out = x.flip(axis)
    expected = np.flip(x.data, axis)
    assert out.op == "flip"
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_array_equal(np.flip(x, axis).data, expected)
    g = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(g)
    np.testing.assert_array_equal(x.grad, np.flip(g, axis))
    check_vjp(lambda t: t.flip(axis), x, seed=seed, tol=TOL)


def test_flip_dims_spelling_and_errors():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.flip(dims=(0, 1)).data, x.data[::-1, ::-1])
    with pytest.raises(tg.ShapeError, match=r"^flip: axis 2 is out of range"):
        x.flip(2)


@given(data=st.data(), seed=seeds)
def test_broadcast_to_forward_and_gradient_summed_over_the_stretched_axes(data, seed):
    x = data.draw(tensors())
    other = data.draw(hnp.broadcastable_shapes(x.shape, max_dims=4, max_side=3))
    target = np.broadcast_shapes(x.shape, other)
    out = x.broadcast_to(target)
    assert out.op == "broadcast_to" and out.shape == target
    np.testing.assert_array_equal(out.data, np.broadcast_to(x.data, target))
    np.testing.assert_array_equal(np.broadcast_to(x, target).data, out.data)
    g = np.random.default_rng(seed).standard_normal(target)
    out.backward(g)
    # summing through a constant of ones does the same reduction in another way
    ref = Tensor(x.data, requires_grad=True)
    (ref + np.zeros(target)).backward(g)
    np.testing.assert_allclose(x.grad, ref.grad, rtol=1e-15, atol=1e-15)
    check_vjp(lambda t: t.broadcast_to(target), x, seed=seed, tol=TOL)


def test_expand_is_pytorchs_broadcast_to_with_minus_one_keeping_a_size():
    b = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for out in (b.expand(4, 3), b.expand((4, -1)), b.expand(4, -1)):
        assert out.shape == (4, 3)
    b.expand(4, -1).backward(np.ones((4, 3)))
    np.testing.assert_array_equal(b.grad, [4.0, 4.0, 4.0])
    out = b.broadcast_to((2, 3))
    out.data[0, 0] = 100.0  # a copy of its own: writing to it does not reach b
    assert b.data[0] == 1.0


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.broadcast_to((3, 1)), tg.ShapeError,
     r"^broadcast_to: the tensor \(2, 3\) and the"),
    (lambda x: x.broadcast_to((4, 3)), tg.ShapeError, r"^broadcast_to: .*axis -2 has sizes 2 vs 4"),
    (lambda x: x.broadcast_to((2.0, 3)), TypeError, r"^broadcast_to: shape must be an int or"),
    (lambda x: x.broadcast_to((-2, 3)), ValueError, r"^broadcast_to: shape must not be negative"),
    (lambda x: x.expand(3), tg.ShapeError, r"^expand: 1 sizes for a tensor with 2 axes"),
    (lambda x: x.tile((1.5,)), TypeError, r"^tile: reps must be an int or a tuple of ints"),
    (lambda x: x.tile(-1), ValueError, r"^tile: reps must not be negative, got -1"),
])
def test_broadcast_and_tile_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(np.ones((2, 3))))


def test_broadcast_to_a_smaller_shape_says_to_reduce():
    with pytest.raises(tg.ShapeError,
                       match=r"^broadcast_to: cannot stretch .*\(2, 3\) to \(1, 3\)"):
        Tensor(np.ones((2, 3))).broadcast_to((1, 3))


@given(data=st.data(), seed=seeds)
def test_tile_forward_and_gradient_sums_the_copies(data, seed):
    x = data.draw(tensors(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3)))
    reps = data.draw(st.one_of(st.integers(0, 3),
                               st.lists(st.integers(0, 3), max_size=4).map(tuple)))
    out = x.tile(reps)
    expected = np.tile(x.data, reps)
    assert out.op == "tile" and out.shape == expected.shape
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_array_equal(tg.tile(x, reps).data, expected)
    np.testing.assert_array_equal(np.tile(x, reps).data, expected)
    g = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(g)
    # the oracle: tile the positions, then add g up per position
    positions = np.tile(np.arange(x.size).reshape(x.shape), reps)
    oracle = np.bincount(positions.ravel(), weights=g.ravel(), minlength=x.size)
    np.testing.assert_allclose(x.grad, oracle.reshape(x.shape), rtol=1e-14, atol=1e-14)
    if out.size:
        check_vjp(lambda t: t.tile(reps), x, seed=seed, tol=TOL)


@given(x=tensors(), seed=seeds)
def test_clone_is_a_copy_in_the_graph(x, seed):
    y = x.clone()
    assert y.op == "clone" and y.parents == (x,)
    np.testing.assert_array_equal(y.data, x.data)
    assert not np.shares_memory(y.data, x.data)
    g = np.random.default_rng(seed).standard_normal(x.shape)
    y.backward(g)
    np.testing.assert_array_equal(x.grad, g)


def test_clone_unlike_detach_keeps_the_gradient():
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w.clone() * 3.0).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])
    assert not w.detach().requires_grad
