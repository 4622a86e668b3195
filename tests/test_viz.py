"""Every figure renders headless to a valid image; the figures show what they claim to show."""

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import steepest as st  # noqa: E402
import steepest.viz as sv  # noqa: E402
from steepest.viz._mpl import gradient_of, vectorize  # noqa: E402
from steepest.viz.descent import split_paths  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def gd(grad, x0, lr, n):
    """Plain gradient descent, x <- x - lr grad f(x): the paths every figure draws."""
    path = [np.asarray(x0, dtype=float)]
    for _ in range(n):
        path.append(path[-1] - lr * grad(path[-1]))
    return np.array(path)


def f1(x):
    return x**2 + 5 * st.sin(x) if isinstance(x, st.Tensor) else x**2 + 5 * np.sin(x)


def df1(x):
    return 2 * x + 5 * np.cos(x)


def bowl(x, y):
    return x**2 + 5 * y**2


def dbowl(v):
    return np.array([2 * v[0], 10 * v[1]])


def png_ok(path, min_size=(200, 150)):
    from PIL import Image

    data = open(path, "rb").read()
    assert data.startswith(PNG), "not a PNG"
    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        assert im.size[0] >= min_size[0] and im.size[1] >= min_size[1], im.size
        assert len(np.unique(np.asarray(im.convert("L")))) > 10, "the image is (nearly) blank"
    return True


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_import_steepest_does_not_import_matplotlib():
    code = "import sys, steepest, steepest.viz; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_headless_backend():
    sv.plot_lr([0.1, 0.05])
    import matplotlib

    assert matplotlib.get_backend().lower() == "agg"


def test_descent_1d_numbers_iterates_and_draws_tangents(tmp_path):
    path = gd(df1, 5.0, 0.1, 8)
    fig = sv.plot_descent_1d(f1, path, save=tmp_path / "d.png")
    assert png_ok(tmp_path / "d.png")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts][:3] == ["0", "1", "2"]
    tangents = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert 1 <= len(tangents) <= 4  # the first few iterates; the bunched ones would smear into one
    (xa, xb), (ya, yb) = tangents[0].get_data()
    assert (yb - ya) / (xb - xa) == pytest.approx(df1(5.0), rel=1e-6)  # slope f'(x_0)


def test_descent_1d_side_by_side_learning_rates(tmp_path):
    paths = [gd(df1, 5.0, lr, 10) for lr in (0.01, 0.1, 0.5)]
    fig = sv.plot_descent_1d(f1, paths, labels=["lr = 0.01", "lr = 0.1", "lr = 0.5"], save=tmp_path / "d.svg")
    assert len(fig.axes) == 3 and fig.axes[2].get_title().startswith("lr = 0.5")
    assert b"<svg" in open(tmp_path / "d.svg", "rb").read()[:500]


def test_descent_1d_survives_divergence():
    path = gd(lambda x: 2 * x, 3.0, 1.5, 40)  # |x| doubles every step, to ~1e12
    fig = sv.plot_descent_1d(lambda x: x**2, path)
    lo, hi = fig.axes[0].get_xlim()
    assert hi - lo < 100  # framed on where it started, not on 1e12


def test_contour_arrows_are_minus_gradient_and_perpendicular(tmp_path):
    path = gd(dbowl, [-4.0, 2.0], 0.08, 20)
    fig = sv.plot_contour(bowl, path, save=tmp_path / "c.pdf")
    assert open(tmp_path / "c.pdf", "rb").read(4) == b"%PDF"
    ax = fig.axes[0]
    assert ax.get_aspect() == 1.0
    arrows = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None]
    assert len(arrows) >= 3
    a = arrows[0]
    d = np.subtract(a.xy, a.xyann)
    g = dbowl(path[0])
    assert np.dot(d, -g) / (np.linalg.norm(d) * np.linalg.norm(g)) == pytest.approx(1.0)


def test_race_has_a_legend_per_optimizer(tmp_path):
    ros = lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2
    paths = {"lr 1e-3": gd(lambda v: np.array([2 * v[0], 10 * v[1]]), [-1.5, 2.0], 1e-3, 30),
             "lr 2e-3": gd(lambda v: np.array([2 * v[0], 10 * v[1]]), [-1.5, 2.0], 2e-3, 30)}
    fig = sv.plot_race(ros, paths, grid=40, save=tmp_path / "r.png")
    assert png_ok(tmp_path / "r.png")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["lr 1e-3", "lr 2e-3"]


def test_contour_takes_a_result_like_object_and_vector_functions(tmp_path):
    class Result:
        path = gd(dbowl, [1.0, 1.0], 0.05, 5)

    fig = sv.plot_contour(lambda v: v[0] ** 2 + 5 * v[1] ** 2, Result(), grid=30, levels=10)
    assert len(fig.axes[0].lines) >= 2


def test_surface(tmp_path):
    sv.plot_surface(bowl, gd(dbowl, [-2.0, 1.0], 0.08, 10), grid=20, save=tmp_path / "s.png")
    assert png_ok(tmp_path / "s.png")


def test_loss_curves_from_history_and_dict(tmp_path):
    class History:
        loss = [1.0, 0.5, 0.3, 0.25]
        val_loss = [1.1, 0.6, 0.5, 0.55]

    fig = sv.plot_loss(History(), save=tmp_path / "l.png")
    assert png_ok(tmp_path / "l.png")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[:2] == ["train", "validation"] and "epoch 3" in labels[2]
    assert len(sv.plot_loss([3.0, 2.0, 1.0]).axes[0].lines) == 1
    with pytest.raises(ValueError, match="History"):
        sv.plot_loss({"nothing": None})


def test_lr_curve(tmp_path):
    fig = sv.plot_lr({"lrs": [0.1 * 0.5**i for i in range(20)]}, save=tmp_path / "lr.png")
    assert png_ok(tmp_path / "lr.png")
    assert fig.axes[0].get_yscale() == "log"


def test_lr_curve_scale_follows_the_schedule_and_history_is_per_epoch():
    cosine = [st.optim.cosine(0.1, 100)(t) for t in range(100)]  # ends near 0: log would hide its shape
    assert sv.plot_lr(cosine).axes[0].get_yscale() == "linear"
    assert sv.plot_lr(cosine, log=True).axes[0].get_yscale() == "log"
    assert sv.plot_lr({"lrs": cosine, "loss": [1.0] * 100}).axes[0].get_xlabel() == "epoch"
    assert sv.plot_lr(cosine).axes[0].get_xlabel() == "step"


def test_decision_boundary_of_a_function(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(float)
    fig = sv.plot_decision_boundary(lambda P: 1 / (1 + np.exp(-(P[:, 0] + P[:, 1]))), X, y, grid=40,
                                    save=tmp_path / "db.png")
    assert png_ok(tmp_path / "db.png")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["class 0", "class 1"]


def test_decision_boundary_of_a_steepest_model():
    class Model:  # a steepest-style model: tensors in, tensors out
        def __call__(self, X):
            return st.sigmoid(st.tensor(X) @ st.tensor([[1.0], [-1.0]]))

    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 0.5], [0.2, 2.0]])
    sv.plot_decision_boundary(Model(), X, np.array([0, 1, 1, 0]), grid=20)


def test_animation_gif(tmp_path):
    from PIL import Image

    out = sv.animate_descent(bowl, gd(dbowl, [-2.0, 1.0], 0.08, 5), tmp_path / "a.gif", progress=False)
    with Image.open(out) as im:
        assert im.format == "GIF" and im.n_frames == 6
    out = sv.animate_descent(f1, gd(df1, 5.0, 0.1, 3), tmp_path / "b.gif", fps=2)
    with Image.open(out) as im:
        assert im.n_frames == 4


def test_save_by_extension(tmp_path):
    fig = sv.plot_lr([1.0, 0.5])
    assert sv.save(fig, tmp_path / "x.png").endswith("x.png") and png_ok(tmp_path / "x.png", (100, 50))
    with pytest.raises(ValueError, match="png, .svg or .pdf"):
        sv.save(fig, tmp_path / "x.bmp")


def test_helpers_take_numpy_steepest_and_scalar_functions():
    assert float(gradient_of(f1, np.array(0.0))) == pytest.approx(5.0)  # engine
    assert float(gradient_of(lambda x: x**3 + np.exp(x), np.array(1.0))) == pytest.approx(3 + np.e, rel=1e-6)
    np.testing.assert_allclose(gradient_of(bowl, np.array([1.0, 1.0])), [2.0, 10.0])
    scalar_only = lambda x, y: float(x) ** 2 + float(y)
    np.testing.assert_allclose(vectorize(scalar_only)(np.array([1.0, 2.0]), np.array([0.0, 1.0])), [1.0, 5.0])


def test_split_paths():
    assert len(split_paths([1.0, 2.0, 3.0], 1)) == 1
    assert len(split_paths([[1.0, 2.0], [3.0, 4.0, 5.0]], 1)) == 2
    assert split_paths([[0.0, 1.0], [1.0, 1.0], [2.0, 2.0]], 2)[0].shape == (3, 2)
    assert len(split_paths([np.zeros((3, 2)), np.zeros((5, 2))], 2)) == 2


def test_race_of_a_thinned_path_plots_against_iteration_numbers():
    bowl2 = lambda v: v[0] ** 2 + 10 * v[1] ** 2
    res = st.minimize(bowl2, [-2.0, 1.0], lr=0.01, tol=0.0, max_iter=300, keep_path=("every", 50))
    assert len(res.path) < res.n_iter  # thinned: one row per 50 iterations (and the last)
    fig = sv.plot_race(bowl2, {"gd": res}, grid=30)
    t = fig.axes[1].lines[0].get_xdata()
    assert list(t) == list(res.iters) and t[-1] == res.n_iter
    assert fig.axes[1].get_legend().get_texts()[0].get_text() == f"gd ({res.n_iter} steps)"
