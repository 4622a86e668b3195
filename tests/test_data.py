"""Built-in datasets, splits, batches and CSV loading."""

from __future__ import annotations

import numpy as np
import pytest

import steepest as st
from steepest import data


def test_gates_are_the_four_corners():
    for fn, truth in ((data.or_, [0, 1, 1, 1]), (data.and_, [0, 0, 0, 1]), (data.xor, [0, 1, 1, 0])):
        X, y = fn()
        np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
        np.testing.assert_array_equal(y, truth)
        assert X.dtype == y.dtype == np.float64
    X, _ = data.xor()
    X[0, 0] = 9.0
    assert data.xor()[0][0, 0] == 0.0  # each call gives fresh arrays


def test_linear_regression_data():
    X, y = data.linear(500, noise=0.0, seed=0, slope=3.0, intercept=-1.0)
    assert X.shape == (500, 1) and y.shape == (500,)
    np.testing.assert_allclose(y, 3.0 * X[:, 0] - 1.0)
    X2, y2 = data.linear(500, noise=0.5, seed=0, slope=[1.0, -2.0])
    assert X2.shape == (500, 2)
    resid = y2 - (X2 @ [1.0, -2.0] + 1.0)
    assert resid.std() == pytest.approx(0.5, rel=0.1)
    np.testing.assert_array_equal(data.linear(20, seed=3)[1], data.linear(20, seed=3)[1])
    with pytest.raises(ValueError, match="2 slopes given for n_features=3"):
        data.linear(10, slope=[1, 2], n_features=3)
    with pytest.raises(ValueError, match="noise must be non-negative"):
        data.linear(10, noise=-1)


@pytest.mark.parametrize("fn, classes", [(data.moons, 2), (data.circles, 2), (data.spirals, 3)])
def test_classification_shapes(fn, classes):
    X, y = fn(301, noise=0.1, seed=0)
    assert X.shape == (301, 2) and y.shape == (301,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert len(counts) == classes and counts.max() - counts.min() <= 1
    X2, y2 = fn(301, noise=0.1, seed=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, fn(301, noise=0.1, seed=1)[0])
    assert np.any(np.diff(y) != 0) and not np.all(y[:-1] <= y[1:])  # shuffled, not sorted by class


def test_circles_radii_and_spiral_classes():
    X, y = data.circles(200, noise=0.0, seed=0, factor=0.3)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)
    _, y = data.spirals(100, seed=0, classes=5)
    assert sorted(set(y.tolist())) == [0, 1, 2, 3, 4]


def test_digits():
    X, y = data.digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(np.bincount(y), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    raw, _ = data.digits(normalize=False, images=True)
    assert raw.shape == (1797, 8, 8) and raw.max() == 16.0
    np.testing.assert_array_equal(raw.reshape(1797, 64) / 16, X)
    assert raw[0].tolist()[1] == [0, 0, 13, 15, 10, 15, 5, 0]  # the first image, a zero


def test_train_test_split():
    X = np.arange(100).reshape(50, 2)
    y = np.arange(50)
    X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=0.2, seed=0)
    assert len(X_tr) == 40 and len(X_te) == 10
    np.testing.assert_array_equal(X_tr[:, 0] // 2, y_tr)  # rows stay paired
    assert sorted(np.concatenate([y_tr, y_te]).tolist()) == list(range(50))
    again = data.train_test_split(X, y, test_size=0.2, seed=0)
    np.testing.assert_array_equal(again[3], y_te)
    _, _, _, last = data.train_test_split(X, y, test_size=5, shuffle=False)
    np.testing.assert_array_equal(last, [45, 46, 47, 48, 49])
    with pytest.raises(ValueError, match="test_size=1.5"):
        data.train_test_split(X, y, test_size=1.5)
    with pytest.raises(ValueError, match="X has 50 rows but y has 3"):
        data.train_test_split(X, y[:3])


def test_stratified_split_keeps_class_shares():
    X, y = data.digits()
    _, _, y_tr, y_te = data.train_test_split(X, y, test_size=0.25, seed=0, stratify=True)
    assert len(y_te) == round(0.25 * 1797)
    share = np.bincount(y_te) / np.bincount(y)
    assert share.min() > 0.24 and share.max() < 0.26


def test_batches_cover_every_row_once():
    X, y = np.arange(23.0).reshape(23, 1), np.arange(23)
    seen = []
    for xb, yb in data.batches(X, y, batch_size=5, seed=0):
        assert len(xb) <= 5
        np.testing.assert_array_equal(xb[:, 0], yb)
        seen.extend(yb.tolist())
    assert sorted(seen) == list(range(23)) and seen != list(range(23))
    assert [len(b) for b in data.batches(X, batch_size=10, shuffle=False)] == [10, 10, 3]


def test_load_csv(tmp_path):
    path = tmp_path / "houses.csv"
    path.write_text("area,rooms,price\n50,2,100.5\n80,3,150\n\n120,4,210\n")
    X, y = data.load_csv(path, target="price")
    np.testing.assert_array_equal(X, [[50, 2], [80, 3], [120, 4]])
    np.testing.assert_array_equal(y, [100.5, 150, 210])
    X, y = data.load_csv(path, target=0, features=["rooms"])
    np.testing.assert_array_equal(X, [[2], [3], [4]])
    np.testing.assert_array_equal(y, [50, 80, 120])
    plain = tmp_path / "plain.csv"
    plain.write_text("1;2;0\n3;4;1\n")
    X, y = data.load_csv(plain, delimiter=";")  # no header: guessed; the target is the last column
    np.testing.assert_array_equal(y, [0, 1])


def test_load_csv_errors(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("age,city,income\n30,Paris,10\n40,Rome,20\n")
    with pytest.raises(KeyError, match=r"no column 'salary'.*\['age', 'city', 'income'\]"):
        data.load_csv(path, target="salary")
    with pytest.raises(ValueError, match=r"column 'city' is not numeric: data row 1 holds 'Paris'"):
        data.load_csv(path, target="income")
    X, y = data.load_csv(path, target="income", features=["age"])
    np.testing.assert_array_equal(X, [[30], [40]])
    with pytest.raises(KeyError, match="out of range"):
        data.load_csv(path, target=7)
    with pytest.raises(FileNotFoundError):
        data.load_csv(tmp_path / "missing.csv", target="x")


def test_st_data_is_exported():
    assert st.data.xor is data.xor and "data" in st.__all__


def test_load_csv_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text("\ufeffa,b,label\n1,2,0\n3,4,1\n", encoding="utf-8")
    X, y = data.load_csv(path, target="label", features=["a"])  # the first column is 'a', not '\ufeffa'
    assert X.tolist() == [[1.0], [3.0]] and y.tolist() == [0.0, 1.0]
    numbers = tmp_path / "bom_numbers.csv"
    numbers.write_text("\ufeff1,2,0\n3,4,1\n", encoding="utf-8")
    X, y = data.load_csv(numbers)  # no header: the mark does not make the first row a header
    assert X.tolist() == [[1.0, 2.0], [3.0, 4.0]] and y.tolist() == [0.0, 1.0]


def test_load_csv_names_what_is_missing(tmp_path):
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b,label\n")
    with pytest.raises(ValueError, match=r"has a header row \(a, b, label\) but no data rows"):
        data.load_csv(header_only)
    target_only = tmp_path / "target.csv"
    target_only.write_text("label\n0\n1\n")
    with pytest.raises(ValueError, match="no feature columns for X: its only column, 'label', is the target"):
        data.load_csv(target_only)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("caf\xe9,label\n1,0\n".encode("latin-1"))
    with pytest.raises(ValueError, match="is not UTF-8 text"):
        data.load_csv(latin)
