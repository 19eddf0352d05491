"""Tests for tinygrad_edu.datasets (numpy-only toy data, breast cancer table, helpers)."""

from __future__ import annotations

import ast
import doctest
import sys
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import datasets as D

GATE_INPUTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]


# ---------------------------------------------------------------------------
# docstring examples
# ---------------------------------------------------------------------------


def test_docstring_examples_run():
    from tinygrad_edu.datasets import biopsy, prep, toy

    attempted = 0
    for module in (D, biopsy, prep, toy):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted > 10  # every public function has an example


def test_package_imports_only_numpy_and_standard_library():
    # the datasets work on raw arrays: nothing from the rest of tinygrad_edu but the shared
    # argument checks (tinygrad_edu/arguments.py, itself numpy only), no pickle
    folder = Path(D.__file__).parent
    modules = sorted(folder.glob("*.py"))
    assert len(modules) >= 4
    imported = set()
    for path in [*modules, folder.parent / "arguments.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: this same package, or the argument checks
                    inside = node.level == 1 and (folder / f"{node.module}.py").exists()
                    shared = path.parent == folder and (node.level, node.module) == (
                        2, "arguments")
                    assert inside or shared, f"{path.name} imports from outside the datasets"
                else:
                    imported.add((node.module or "").split(".")[0])
    third_party = {name for name in imported if name not in sys.stdlib_module_names}
    assert third_party == {"numpy"}
    assert "pickle" not in imported


# ---------------------------------------------------------------------------
# logic gates
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("and", [0, 0, 0, 1]),
        ("or", [0, 1, 1, 1]),
        ("xor", [0, 1, 1, 0]),
        ("nand", [1, 1, 1, 0]),
        ("nor", [1, 0, 0, 0]),
    ],
)
def test_logic_gate_truth_tables(name, expected):
    X, t = D.logic_gate(name)
    assert X.shape == (4, 2) and X.dtype == np.float64
    assert t.shape == (4,) and t.dtype == np.float64
    assert X.tolist() == GATE_INPUTS
    assert t.tolist() == [float(v) for v in expected]


def test_logic_gate_outputs_match_boolean_operators():
    ops = {
        "and": lambda a, b: a and b,
        "or": lambda a, b: a or b,
        "xor": lambda a, b: a != b,
        "nand": lambda a, b: not (a and b),
        "nor": lambda a, b: not (a or b),
    }
    for name, op in ops.items():
        X, t = D.logic_gate(name)
        for (a, b), y in zip(X, t, strict=True):
            assert y == float(op(bool(a), bool(b))), (name, a, b)


def test_logic_gate_is_case_insensitive_and_returns_fresh_arrays():
    X1, t1 = D.logic_gate("XoR")
    assert t1.tolist() == [0.0, 1.0, 1.0, 0.0]
    X1[0, 0] = 99.0
    t1[0] = 99.0
    X2, t2 = D.logic_gate("xor")
    assert X2[0, 0] == 0.0 and t2[0] == 0.0


def test_gate_shortcuts_match_logic_gate():
    for fn, name in [(D.and_gate, "and"), (D.or_gate, "or"), (D.xor_gate, "xor")]:
        X, t = fn()
        X_ref, t_ref = D.logic_gate(name)
        assert np.array_equal(X, X_ref)
        assert np.array_equal(t, t_ref)


def test_logic_gate_unknown_name_lists_known_names():
    with pytest.raises(ValueError) as info:
        D.logic_gate("xnor")
    message = str(info.value)
    assert "logic_gate" in message and "xnor" in message
    for known in ("and", "or", "xor", "nand", "nor"):
        assert repr(known) in message


def test_logic_gate_rejects_non_string():
    with pytest.raises(TypeError, match="logic_gate"):
        D.logic_gate(1)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# linearly_separable
# ---------------------------------------------------------------------------


def test_linearly_separable_shapes_and_labels():
    X, t = D.linearly_separable(101, rng=0)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert t.shape == (101,) and t.dtype == np.float64
    assert set(np.unique(t).tolist()) == {0.0, 1.0}
    assert t.sum() == 51  # ceil(n/2) ones, floor(n/2) zeros
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("margin", [0.0, 0.1, 0.5, 2.0])
def test_linearly_separable_line_separates_with_margin(margin):
    X, t, w, b = D.linearly_separable(500, margin=margin, rng=42, return_line=True)
    assert w.shape == (2,)
    assert np.isclose(np.linalg.norm(w), 1.0)
    assert -0.5 <= b <= 0.5  # line passes near the origin
    signed_distance = X @ w + b
    assert np.array_equal(signed_distance > 0, t == 1)
    assert np.abs(signed_distance).min() >= margin - 1e-9


def test_linearly_separable_return_line_does_not_change_data():
    X, t = D.linearly_separable(30, rng=7)
    X2, t2, _, _ = D.linearly_separable(30, rng=7, return_line=True)
    assert np.array_equal(X, X2) and np.array_equal(t, t2)


def test_linearly_separable_is_learnable_by_least_squares():
    # Independent of the returned line: a linear fit to +-1 targets classifies
    # well-separated data perfectly.
    X, t = D.linearly_separable(200, margin=1.0, rng=3)
    A = np.hstack([X, np.ones((len(X), 1))])
    coef, *_ = np.linalg.lstsq(A, 2 * t - 1, rcond=None)
    assert np.array_equal(A @ coef > 0, t == 1)


def test_linearly_separable_seed_reproducible_and_seeds_differ():
    X1, t1 = D.linearly_separable(50, rng=123)
    X2, t2 = D.linearly_separable(50, rng=123)
    X3, _ = D.linearly_separable(50, rng=124)
    assert np.array_equal(X1, X2) and np.array_equal(t1, t2)
    assert not np.allclose(X1, X3)


def test_linearly_separable_accepts_generator_and_advances_it():
    gen = np.random.default_rng(5)
    X1, _ = D.linearly_separable(20, rng=gen)
    X2, _ = D.linearly_separable(20, rng=gen)
    assert not np.allclose(X1, X2)
    X3, _ = D.linearly_separable(20, rng=np.random.default_rng(5))
    assert np.array_equal(X1, X3)


def test_linearly_separable_smallest_case_has_both_classes():
    X, t = D.linearly_separable(2, margin=0.0, rng=0)
    assert X.shape == (2, 2)
    assert sorted(t.tolist()) == [0.0, 1.0]


@pytest.mark.parametrize(
    "kwargs, error, text",
    [
        ({"n": 1}, ValueError, "n must be >= 2"),
        ({"n": 0}, ValueError, "got 0"),
        ({"n": 2.5}, TypeError, "n must be an int"),
        ({"n": True}, TypeError, "n must be an int"),
        ({"margin": -0.1}, ValueError, "margin"),
        ({"margin": float("nan")}, ValueError, "margin"),
        ({"margin": "1"}, TypeError, "margin"),
        ({"rng": -1}, ValueError, "seed"),
        ({"rng": 1.5}, TypeError, "rng"),
    ],
)
def test_linearly_separable_validation(kwargs, error, text):
    with pytest.raises(error, match="linearly_separable") as info:
        D.linearly_separable(**kwargs)
    assert text in str(info.value)


# ---------------------------------------------------------------------------
# breast_cancer
# ---------------------------------------------------------------------------


def test_breast_cancer_shapes_dtypes_and_names():
    ds = D.breast_cancer()
    assert isinstance(ds, D.Dataset)
    assert ds.data.shape == (569, 30) and ds.data.dtype == np.float64
    assert ds.target.shape == (569,) and ds.target.dtype == np.float64
    assert len(ds.feature_names) == 30
    assert all(isinstance(name, str) for name in ds.feature_names)
    assert len(set(ds.feature_names)) == 30
    assert ds.feature_names[0] == "mean radius"
    assert ds.feature_names[10] == "radius error"
    assert ds.feature_names[20] == "worst radius"
    assert ds.feature_names[-1] == "worst fractal dimension"
    assert ds.target_names == ("benign", "malignant")
    assert np.all(np.isfinite(ds.data))


def test_breast_cancer_counts_follow_malignant_is_one():
    ds = D.breast_cancer()
    assert set(np.unique(ds.target).tolist()) == {0.0, 1.0}
    assert int((ds.target == 1).sum()) == 212  # malignant
    assert int((ds.target == 0).sum()) == 357  # benign
    counts = {ds.target_names[int(k)]: int((ds.target == k).sum()) for k in (0, 1)}
    assert counts == {"benign": 357, "malignant": 212}


def test_breast_cancer_rows_match_source_file():
    ds = D.breast_cancer()
    # First row of the source table (a malignant case).
    assert ds.data[0, :4].tolist() == [17.99, 10.38, 122.8, 1001.0]
    assert ds.data[0, 9] == 0.07871
    assert ds.data[0, -1] == 0.1189
    assert ds.target[:3].tolist() == [1.0, 1.0, 1.0]
    # Row 20 (index 19) is the first benign case.
    assert ds.data[19, :3].tolist() == [13.54, 14.36, 87.46]
    assert ds.target[19] == 0.0
    assert np.all(ds.target[:19] == 1.0)
    # Last row (benign).
    assert ds.data[-1, :4].tolist() == [7.76, 24.54, 47.92, 181.0]
    assert ds.data[-1, -1] == 0.07039
    assert ds.target[-1] == 0.0
    # Whole-table check sums.
    assert np.isclose(ds.data[:, 0].sum(), 8038.43)
    assert np.isclose(ds.data.sum(), 1056474.4596356002)


def test_breast_cancer_malignant_tumours_are_larger_on_average():
    # Sanity check of the label direction: malignant masses have larger radii.
    ds = D.breast_cancer()
    radius = ds.data[:, ds.feature_names.index("mean radius")]
    assert radius[ds.target == 1].mean() > radius[ds.target == 0].mean() + 4


def test_breast_cancer_returns_copies():
    first = D.breast_cancer()
    first.data[:] = -1.0
    first.target[:] = 7.0
    second = D.breast_cancer()
    assert second.data[0, 0] == 17.99
    assert int(second.target.sum()) == 212
    assert second.data is not first.data
    assert second.data.flags.writeable and second.target.flags.writeable


def test_breast_cancer_dataset_is_frozen():
    ds = D.breast_cancer()
    with pytest.raises(AttributeError):
        ds.data = np.zeros((1, 1))  # type: ignore[misc]


def test_breast_cancer_description_mentions_source_licence_and_convention():
    description = D.breast_cancer().description
    assert "10.24432/C5DW2B" in description
    assert "CC BY 4.0" in description
    assert "1 = malignant" in description
    assert "Street" in description and "Wolberg" in description
    assert "Mangasarian" in description


def test_breast_cancer_repr_is_short():
    text = repr(D.breast_cancer())
    assert "(569, 30)" in text
    assert len(text) < 300


# ---------------------------------------------------------------------------
# train_test_split
# ---------------------------------------------------------------------------


def _indexed_data(n):
    X = np.column_stack([np.arange(n, dtype=float), -np.arange(n, dtype=float)])
    t = np.arange(n, dtype=float)
    return X, t


def test_train_test_split_sizes_and_shapes():
    X, t = _indexed_data(569)
    X_tr, X_te, t_tr, t_te = D.train_test_split(X, t, rng=0)
    assert X_te.shape == (114, 2) and X_tr.shape == (455, 2)
    assert t_te.shape == (114,) and t_tr.shape == (455,)
    X_tr, X_te, t_tr, t_te = D.train_test_split(X, t, test_fraction=0.5, rng=0)
    assert len(X_te) == 285 and len(X_tr) == 284


def test_train_test_split_partitions_and_keeps_pairs():
    X, t = _indexed_data(100)
    X_tr, X_te, t_tr, t_te = D.train_test_split(X, t, test_fraction=0.25, rng=1)
    train_ids, test_ids = set(t_tr.tolist()), set(t_te.tolist())
    assert len(test_ids) == 25 and len(train_ids) == 75
    assert train_ids.isdisjoint(test_ids)
    assert train_ids | test_ids == set(range(100))
    assert np.array_equal(X_tr[:, 0], t_tr) and np.array_equal(X_te[:, 0], t_te)
    assert np.array_equal(X_tr[:, 1], -t_tr)


def test_train_test_split_shuffles_and_is_seeded():
    X, t = _indexed_data(50)
    a = D.train_test_split(X, t, rng=9)
    b = D.train_test_split(X, t, rng=9)
    c = D.train_test_split(X, t, rng=10)
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x, y)
    assert not np.array_equal(a[3], c[3])
    assert not np.array_equal(a[2], np.sort(a[2]))  # order is shuffled


def test_train_test_split_does_not_alias_inputs():
    X, t = _indexed_data(10)
    X_tr, _, _, t_te = D.train_test_split(X, t, rng=0)
    X_tr[:] = -5.0
    t_te[:] = -5.0
    assert np.array_equal(X, _indexed_data(10)[0])
    assert np.array_equal(t, _indexed_data(10)[1])


def test_train_test_split_always_leaves_both_parts_nonempty():
    X, t = _indexed_data(2)
    for fraction in (0.01, 0.99):
        X_tr, X_te, _, _ = D.train_test_split(X, t, test_fraction=fraction, rng=0)
        assert len(X_tr) == 1 and len(X_te) == 1


def test_train_test_split_length_mismatch_names_both_lengths():
    with pytest.raises(ValueError, match="train_test_split") as info:
        D.train_test_split(np.zeros((5, 2)), np.zeros(4))
    assert "5" in str(info.value) and "4" in str(info.value)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.2, 1.5, float("nan")])
def test_train_test_split_rejects_bad_fraction(fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        D.train_test_split(np.zeros((5, 2)), np.zeros(5), test_fraction=fraction)


def test_train_test_split_rejects_too_few_rows():
    with pytest.raises(ValueError, match="at least 2"):
        D.train_test_split(np.zeros((1, 2)), np.zeros(1))


# ---------------------------------------------------------------------------
# standardize
# ---------------------------------------------------------------------------


def test_standardize_train_has_zero_mean_unit_std():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=[5.0, -3.0, 100.0], scale=[2.0, 0.1, 30.0], size=(200, 3))
    Z = D.standardize(X)
    assert Z.shape == X.shape and Z.dtype == np.float64
    assert np.allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    assert np.allclose(Z.std(axis=0), 1.0)


def test_standardize_uses_train_statistics_for_test():
    X_tr = np.array([[0.0, 10.0], [2.0, 30.0]])  # mean (1, 20), std (1, 10)
    X_te = np.array([[1.0, 20.0], [3.0, 0.0]])
    Z_tr, Z_te = D.standardize(X_tr, X_te)
    assert Z_tr.tolist() == [[-1.0, -1.0], [1.0, 1.0]]
    assert Z_te.tolist() == [[0.0, 0.0], [2.0, -2.0]]


def test_standardize_does_not_mutate_inputs():
    X_tr = np.array([[1.0, 2.0], [3.0, 8.0], [5.0, 5.0]])
    X_te = np.array([[0.0, 1.0]])
    X_tr_copy, X_te_copy = X_tr.copy(), X_te.copy()
    Z_tr, Z_te = D.standardize(X_tr, X_te)
    assert np.array_equal(X_tr, X_tr_copy) and np.array_equal(X_te, X_te_copy)
    assert not np.shares_memory(Z_tr, X_tr) and not np.shares_memory(Z_te, X_te)


def test_standardize_constant_columns_become_zero_not_nan():
    X = np.column_stack([np.full(7, 0.1), np.zeros(7), np.arange(7.0)])
    Z_tr, Z_te = D.standardize(X, np.array([[0.1, 1.0, 3.0]]))
    assert np.all(np.isfinite(Z_tr))
    assert np.array_equal(Z_tr[:, :2], np.zeros((7, 2)))  # exactly 0, not +-1 noise
    assert np.allclose(Z_tr[:, 2].std(), 1.0)
    assert Z_te[0, 0] == 0.0 and Z_te[0, 1] == 1.0  # divided by 1 instead of 0


def test_standardize_accepts_integer_input():
    Z = D.standardize([[1, 2], [3, 4]])
    assert Z.dtype == np.float64
    assert Z.tolist() == [[-1.0, -1.0], [1.0, 1.0]]


def test_standardize_breast_cancer_split():
    ds = D.breast_cancer()
    X_tr, X_te, _, _ = D.train_test_split(ds.data, ds.target, rng=0)
    Z_tr, Z_te = D.standardize(X_tr, X_te)
    assert np.allclose(Z_tr.mean(axis=0), 0.0, atol=1e-10)
    assert np.allclose(Z_tr.std(axis=0), 1.0)
    assert np.all(np.abs(Z_te.mean(axis=0)) < 0.5)  # close, but not forced to 0


def test_standardize_errors():
    with pytest.raises(ValueError, match="standardize"):
        D.standardize(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="standardize") as info:
        D.standardize(np.zeros((4, 3)), np.zeros((2, 2)))
    assert "(4, 3)" in str(info.value) and "(2, 2)" in str(info.value)


# ---------------------------------------------------------------------------
# one_hot
# ---------------------------------------------------------------------------


def test_one_hot_basic():
    Y = D.one_hot([0, 2, 1, 2])
    assert Y.shape == (4, 3) and Y.dtype == np.float64
    assert Y.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]]
    assert np.array_equal(Y.sum(axis=1), np.ones(4))


def test_one_hot_round_trips_with_argmax():
    labels = np.random.default_rng(0).integers(0, 7, size=100)
    Y = D.one_hot(labels, num_classes=10)
    assert Y.shape == (100, 10)
    assert np.array_equal(Y.argmax(axis=1), labels)
    assert Y.sum() == 100


def test_one_hot_accepts_integer_valued_floats():
    ds_target = np.array([1.0, 0.0, 1.0])
    Y = D.one_hot(ds_target)
    assert Y.tolist() == [[0, 1], [1, 0], [0, 1]]


def test_one_hot_num_classes_widens_and_empty_input():
    assert D.one_hot([1], num_classes=4).tolist() == [[0.0, 1.0, 0.0, 0.0]]
    assert D.one_hot([], num_classes=3).shape == (0, 3)


@pytest.mark.parametrize(
    "labels, num_classes, text",
    [
        ([0, 1.5], None, "integer-valued"),
        ([0, float("nan")], None, "integer-valued"),
        ([0, -1], None, ">= 0"),
        ([0, 3], 3, "num_classes=3"),
        (np.array([1e20]), 3, "num_classes=3"),
        (["a", "b"], None, "integer-valued"),
        ([[0, 1]], None, "1-D"),
        ([0], 0, "num_classes must be >= 1"),
    ],
)
def test_one_hot_value_errors(labels, num_classes, text):
    with pytest.raises(ValueError, match="one_hot") as info:
        D.one_hot(labels, num_classes)
    assert text in str(info.value)


def test_one_hot_error_names_the_offending_value_and_index():
    with pytest.raises(ValueError) as info:
        D.one_hot([0, 1, 2.5])
    assert "2.5" in str(info.value) and "index 2" in str(info.value)


def test_one_hot_rejects_non_integer_num_classes():
    with pytest.raises(TypeError, match="num_classes"):
        D.one_hot([0, 1], 2.0)  # type: ignore[arg-type]
