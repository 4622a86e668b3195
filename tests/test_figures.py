"""What a reader sees in the figures, checked on the drawn artists: labels the caller gave, round colorbar
ticks, legends beside the data, region colours equal to point colours, a few tangents and numbers that do
not overlap, text readable once a wide figure is shrunk to a page, and labels readable on the map."""

import matplotlib
import matplotlib.collections

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import steepest as st  # noqa: E402
import steepest.viz as sv  # noqa: E402
from steepest import demo  # noqa: E402
from steepest.viz._mpl import MIN_TEXT, PAGE_WIDTH  # noqa: E402

F = st.parse("x**2 + 5*sin(x)")


class Recorder(demo.Context):
    """The demo's context, keeping each figure instead of saving and closing it."""

    def __init__(self, out):
        super().__init__(out, True, lambda message: None)
        self.figs = {}

    def figure(self, fig, name):
        self.figs[name] = fig
        return f"figures/{name}.png"


@pytest.fixture(scope="module")
def demo_figs(tmp_path_factory):
    ctx = Recorder(tmp_path_factory.mktemp("demo"))
    for example in (demo.descent_1d, demo.learning_rates, demo.directional, demo.xy_steps,
                    demo.linear_regression, demo.or_xor, demo.momentum):
        example(ctx)
    for fig in ctx.figs.values():
        fig.canvas.draw()
    return ctx.figs


def colorbar(fig):
    return fig.axes[-1]


def two_digits(v: float) -> bool:
    return v == 0 or float(f"{v:.2g}") == v


# --- labels and ticks -------------------------------------------------------------------------------------
def test_contour_takes_axis_and_colorbar_labels_from_the_caller():
    fig = sv.plot_contour(lambda x, y: 9 * x**2 + y**2, [[1.0, 2.0], [-0.8, 1.6]], xlabel="x₁", ylabel="x₂",
                          zlabel="Φ(x₁, x₂)", grid=40)
    assert (fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()) == ("x₁", "x₂")
    assert colorbar(fig).get_ylabel() == "Φ(x₁, x₂)"


def test_the_demo_names_phi_on_the_colorbar_and_axes(demo_figs):
    fig = demo_figs["gradient_level_sets"]
    assert colorbar(fig).get_ylabel() == "Φ(x₁, x₂)" and fig.axes[0].get_xlabel() == "x₁"


@pytest.mark.parametrize("f", [lambda x, y: 9 * x**2 + y**2, lambda x, y: x * y,
                               lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
                               lambda x, y: 1e-3 * (x + y)])
def test_colorbar_ticks_are_round_numbers(f):
    fig = sv.plot_contour(f, [[1.0, 2.0], [0.5, 1.0]], xlim=(-2.2, 2.2), ylim=(-2.6, 2.6), grid=60)
    ticks = colorbar(fig).get_yticks()
    lo, hi = colorbar(fig).get_ylim()
    shown = [t for t in ticks if lo <= t <= hi]
    assert len(shown) >= 3 and all(two_digits(t) for t in shown), shown  # not 0.00127, 2.28, 4.57


def test_the_gif_keeps_its_colorbar_label_inside_the_frame(tmp_path):
    path = st.minimize(st.parse("x**2 + 10*y**2"), [-4.0, 1.0], method="momentum", lr=0.02, momentum=0.7,
                       tol=1e-3)
    fig = sv.plot_contour(st.parse("x**2 + 10*y**2"), path, gradient_arrows=False, grid=40)
    fig.canvas.draw()
    label = colorbar(fig).yaxis.label.get_window_extent()
    assert label.x1 <= fig.bbox.x1  # the GIF's frames are the figure as it is, without bbox_inches="tight"


# --- 1-D descent: tangents and numbers ----------------------------------------------------------------------
def tangents(ax):
    return [ln for ln in ax.lines if ln.get_linestyle() == "--"]


def test_tangents_at_the_first_few_iterates_only():
    res = st.minimize(F, 5.0, method="gd", lr=0.1, tol=1e-3)  # 30 steps, bunched on the plateau and at x*
    ax = sv.plot_descent_1d(F, res).axes[0]
    lines = tangents(ax)
    assert 1 <= len(lines) <= 4
    assert np.mean(lines[0].get_xdata()) == pytest.approx(5.0)  # the first is at x_0


def overlaps(boxes) -> bool:
    return any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


@pytest.mark.parametrize("name", ["descent_1d", "learning_rates", "momentum_local_min"])
def test_iterate_numbers_do_not_overlap(demo_figs, name):
    for ax in demo_figs[name].axes:
        boxes = [t.get_window_extent() for t in ax.texts if t.get_text().isdigit()]
        assert boxes and not overlaps(boxes), name
        assert len(tangents(ax)) <= 4


# --- legends, colours ------------------------------------------------------------------------------------
def covered_points(ax):
    """The data points that the legend's box touches (a marker partly hidden counts)."""
    legend = ax.get_legend().get_window_extent()
    hidden = []
    for c in ax.collections:
        if isinstance(c, matplotlib.collections.PathCollection):
            r = np.sqrt(c.get_sizes()[0]) / 2 * ax.figure.dpi / 72  # the marker's radius in pixels
            grown = legend.padded(r)
            hidden += [tuple(p) for p in c.get_offsets() if grown.contains(*ax.transData.transform(p))]
    return hidden


def test_decision_boundary_legend_covers_no_point():
    import matplotlib.pyplot as plt

    X, y = st.data.or_()
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.6))  # as `steepest train --plot` lays it out
    sv.plot_decision_boundary(lambda P: P.sum(axis=1) - 0.5, X, y, ax=axes[1])
    fig.tight_layout()
    fig.canvas.draw()
    assert covered_points(axes[1]) == []  # the old legend sat on (1, 1)
    plt.close(fig)


def test_or_xor_legends_cover_no_point_and_the_loss_panels_share_a_scale(demo_figs):
    fig = demo_figs["or_xor"]
    for ax in fig.axes[:3]:
        assert covered_points(ax) == []
    assert {ax.get_yscale() for ax in fig.axes[3:6]} == {"log"}


def test_three_classes_regions_have_the_points_colours_and_black_boundaries():
    rng = np.random.default_rng(0)
    X = np.concatenate([c + rng.normal(0, 0.5, (20, 2)) for c in ([0, 0], [3, 0], [1.5, 2.5])])
    y = np.repeat([0, 1, 2], 20)
    centers = np.array([[0, 0], [3, 0], [1.5, 2.5]])
    nearest = lambda P: -((P[:, None, :] - centers[None]) ** 2).sum(axis=2)  # class scores (n, 3)  # noqa: E731
    fig = sv.plot_decision_boundary(nearest, X, y)
    ax = fig.axes[0]
    filled = next(c for c in ax.collections if getattr(c, "filled", False))
    regions = [tuple(np.round(c[:3], 3)) for c in filled.get_facecolor()]
    scatters = [c for c in ax.collections if isinstance(c, matplotlib.collections.PathCollection)]
    points = [tuple(np.round(c.get_facecolor()[0][:3], 3)) for c in scatters]
    assert regions == points  # band j (the winning column j) is drawn in class j's colour
    lines = [c for c in ax.collections if getattr(c, "filled", True) is False]
    assert "black" in ax.get_title() and lines and np.allclose(lines[0].get_edgecolor()[0][:3], 0)


# --- text size and contrast --------------------------------------------------------------------------------
def smallest_text_at_page_width(fig) -> float:
    fig.canvas.draw()
    shrink = min(1.0, PAGE_WIDTH / fig.get_figwidth())
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text() and t.get_visible()]
    for ax in fig.axes:
        sizes += [t.get_fontsize() for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]
    return min(sizes) * shrink


def test_three_panels_of_descent_are_readable_at_page_width():
    runs = [st.minimize(F, 5.0, method="gd", lr=lr, tol=1e-3, max_iter=40) for lr in (0.01, 0.1, 0.5)]
    fig = sv.plot_descent_1d(F, runs, labels=["0.01", "0.1", "0.5"])
    assert smallest_text_at_page_width(fig) >= MIN_TEXT - 1e-9


@pytest.mark.parametrize("name", ["learning_rates", "linear_regression", "or_xor", "momentum_race"])
def test_wide_demo_figures_are_readable_at_page_width(demo_figs, name):
    assert smallest_text_at_page_width(demo_figs[name]) >= MIN_TEXT - 1e-9


def luminance(rgb) -> float:
    c = np.asarray(rgb[:3], dtype=float)
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2])


def contrast(a, b) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)  # WCAG: 4.5 for normal text


def test_xy_step_labels_are_readable_on_the_map(demo_figs):
    fig = demo_figs["xy_steps"]
    labels = [t for t in fig.axes[0].texts if t.get_text().startswith("t = ")]
    assert len(labels) == 4
    fig.canvas.draw()
    for t in labels:
        t.set_visible(False)  # what is behind each label: its box, or the map
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba()) / 255.0
    height = pixels.shape[0]
    for t in labels:
        t.set_visible(True)
        box = t.get_window_extent()
        patch = t.get_bbox_patch()
        if patch is not None:
            back = patch.get_facecolor()
        else:
            x, y = int(box.x0 + box.width / 2), int(height - (box.y0 + box.height / 2))
            back = pixels[y, x]
        assert contrast(matplotlib.colors.to_rgba(t.get_color()), back) >= 4.5, t.get_text()


# --- the backend: chosen ones are kept -------------------------------------------------------------------
BACKEND = ("import sys, steepest.viz as sv, matplotlib\n"
           "sv.plot_lr([0.1, 0.05])\n"
           "import matplotlib.pyplot as plt\n"
           "print(matplotlib.get_backend().lower(), len(plt.get_fignums()))")


def backend_after_a_figure(tmp_path, env_extra: dict, rc: str | None = None, prelude: str = "") -> list[str]:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "DISPLAY", "WAYLAND_DISPLAY")}
    env["MPLCONFIGDIR"] = str(tmp_path)
    if rc is not None:
        (tmp_path / "matplotlibrc").write_text(rc)
    env.update(env_extra)
    done = subprocess.run([sys.executable, "-c", prelude + BACKEND], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_headless_with_nothing_chosen_falls_back_to_agg(tmp_path):
    assert backend_after_a_figure(tmp_path, {}) == ["agg", "1"]  # and a script's figure stays in pyplot


@pytest.mark.parametrize("how", ["env", "rc", "use", "pyplot"])
def test_a_backend_already_chosen_is_kept(tmp_path, how):
    env = {"MPLBACKEND": "svg"} if how == "env" else {}
    rc = "backend: svg\n" if how == "rc" else None
    prelude = {"use": "import matplotlib; matplotlib.use('svg')\n",
               "pyplot": "import matplotlib; matplotlib.use('svg'); import matplotlib.pyplot\n"}.get(how, "")
    assert backend_after_a_figure(tmp_path, env, rc, prelude)[0] == "svg"
