"""The playground in a real browser: Debian's chromium driven by Playwright (never `playwright install`;
`make setup` installs chromium as it installs graphviz). Each room is opened, a formula typed, play
pressed, and what the page shows is compared with what steepest computes for the same settings.

Set PLAYGROUND_SCREENSHOTS=<folder> to save a screenshot of each room there.
"""

import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("plotly")
sync_api = pytest.importorskip("playwright.sync_api")

import steepest as st  # noqa: E402
from steepest.playground import Background  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = os.environ.get("PLAYGROUND_SCREENSHOTS")

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no {CHROMIUM}: `make setup` installs "
                                "Debian's chromium for the browser tests")


@pytest.fixture(scope="module")
def url():
    with Background() as address:
        yield address


@pytest.fixture(scope="module")
def browser():
    profile = tempfile.mkdtemp(prefix="steepest-chromium-")  # a fresh profile, removed after
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=ARGS, headless=True,
            viewport={"width": 1500, "height": 1000})
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.set_default_timeout(20_000)
    yield page
    page.close()
    assert not errors, errors


def open_room(page, url, room):
    page.goto(f"{url}#{room}")
    page.wait_for_selector("body[data-ready='1']")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def set_range(page, selector, value):
    page.eval_on_selector(selector, "(e, v) => { e.value = v; e.dispatchEvent(new Event('input')); }", value)


def race(page, formula, start, runners):
    """Type the formula and start, set the race, press play and wait for every stop reason."""
    page.fill("#d-formula", formula)
    page.fill("#d-start", start)
    page.evaluate("(r) => { Descent.runners = r; Descent.drawRunners(); Descent.changed(true); }", runners)
    set_range(page, "#d-speed", 60)
    page.wait_for_timeout(450)  # the inputs' debounce (300 ms) has fired
    page.wait_for_function("() => Descent.land && "
                           "Descent.land.text === document.querySelector('#d-formula').value")
    page.click("#d-play")
    page.wait_for_function(f"() => document.querySelectorAll('#d-results td.reason.converged, "
                           f"#d-results td.reason.stopped').length === {len(runners)}")
    return page.eval_on_selector_all("#d-results td.reason", "cells => cells.map(c => c.textContent)")


def test_descent_one_variable(page, url):
    open_room(page, url, "descent")
    reasons = race(page, "x**2 + 5*sin(x)", "-5", [{"method": "gd", "lr": 0.1}, {"method": "gd", "lr": 0.5}])
    f = lambda x: x**2 + 5 * st.sin(x)
    want = [st.minimize(f, -5.0, lr=lr, tol=1e-3, max_iter=1000) for lr in (0.1, 0.5)]
    assert reasons == [r.reason for r in want]
    assert reasons[0] == "gradient norm 3.6e-04 < tol 1.0e-03 after 12 iterations"
    # the path on the curve: x0 and the 12 iterates, as steepest computed them
    xs = page.evaluate("() => document.querySelector('#d-plot').data[1].x")
    np.testing.assert_allclose(xs, want[0].path, rtol=1e-12)
    assert page.text_content("#d-results tbody tr:first-child td.tol") == "12"
    shot(page, "descent-1d")


def test_descent_two_variables_level_sets_and_surface(page, url):
    open_room(page, url, "descent")
    runners = [{"method": "gd", "lr": 0.1}, {"method": "momentum", "lr": 0.02, "hyper": {"momentum": 0.8}},
               {"method": "adam", "lr": 0.3}]
    reasons = race(page, "9*x1**2 + x2**2", "1, 2", runners)
    f = st.parse("9*x1**2 + x2**2")
    x0 = np.array([1.0, 2.0])
    want = [st.minimize(f, x0, tol=1e-3, max_iter=1000, lr=0.1).reason,
            st.minimize(f, x0, tol=1e-3, max_iter=1000, method="momentum", lr=0.02, momentum=0.8).reason,
            st.minimize(f, x0, tol=1e-3, max_iter=1000, method="adam", lr=0.3).reason]
    assert reasons == want
    kinds = page.evaluate("() => document.querySelector('#d-plot').data.map(t => t.type || 'scatter')")
    assert kinds[0] == "contour" and len(kinds) == 2 + 3 + 1  # level sets, -grad arrows, 3 paths, the start
    shot(page, "descent-2d")
    page.click("#d-views button[data-view='surface']")
    page.wait_for_function("() => document.querySelector('#d-surface').data && "
                           "document.querySelector('#d-surface').data[0].type === 'surface'")
    shot(page, "descent-surface")


def test_descent_shows_the_parse_error_with_its_caret(page, url):
    open_room(page, url, "descent")
    page.fill("#d-formula", "x^2 + 1")
    page.wait_for_selector("#d-error:not([hidden])")
    text = page.text_content("#d-error")
    with pytest.raises(st.ExprError) as err:
        st.parse("x^2 + 1")
    assert text.splitlines()[0] == f"bad formula, {err.value}"
    assert text.splitlines()[1:] == err.value.pointer("").splitlines()
    assert "write x**2" in text and text.splitlines()[2] == " ^"
    shot(page, "descent-parse-error")


def test_descent_click_chooses_the_start(page, url):
    open_room(page, url, "descent")
    page.wait_for_function("() => Descent.land !== null")
    box = page.locator("#d-plot .nsewdrag").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.5)
    page.wait_for_function("() => document.querySelector('#d-start').value !== '-5'")
    assert float(page.input_value("#d-start")) > 0


def test_network_trains_xor_to_full_test_accuracy(page, url):
    open_room(page, url, "network")
    page.wait_for_function("() => Network.setup !== null")
    page.click("#n-datasets button[data-dataset='xor']")
    page.fill("#n-max-epochs", "300")
    page.dispatch_event("#n-max-epochs", "change")
    page.wait_for_function("() => Network.setup && Network.state.dataset === 'xor' "
                           "&& Network.frame.epoch === 0 && Network.state.max_epochs === 300")
    page.click("#n-play")
    page.wait_for_selector("#n-reason:has-text('completed 300 epochs')", timeout=30_000)
    assert page.text_content("#n-reason") == "Stopped: completed 300 epochs"
    assert page.text_content("#n-test-acc") == "100.0%"
    assert page.text_content("#n-epoch") == "000,300"
    curve = page.evaluate("() => document.querySelector('#n-loss').data.map(t => t.y.length)")
    assert curve == [300, 300]
    page.check("#n-show-test")
    page.check("#n-discretize")
    assert "dataset=xor" in page.evaluate("() => location.hash")
    shot(page, "network-xor")


def test_network_url_reproduces_the_state_and_multiclass_shows_a_confusion_matrix(page, url):
    state = ("dataset=spiral&classes=3&hidden=8,6&features=x1,x2,sinx1,sinx2&activation=relu&optimizer=adam"
             "&lr=0.01&batch_size=20&noise=10&patience=20&max_epochs=40&show_test=1")
    open_room(page, url, f"network?{state}")
    page.wait_for_function("() => Network.setup && Network.setup.classes === 3")
    assert page.input_value("#n-activation") == "relu" and page.input_value("#n-optimizer") == "adam"
    assert page.is_checked("#n-show-test") and page.is_checked("#n-features input[data-feature='sinx1']")
    assert page.text_content("#n-layer-count") == "2 hidden layers"
    page.click("#n-play")
    page.wait_for_selector("#n-reason:has-text('Stopped')", timeout=30_000)
    rows = page.eval_on_selector_all("#n-confusion tr", "rows => rows.length")
    assert rows == 1 + 3
    counts = page.eval_on_selector_all("#n-confusion td", "cells => cells.map(c => +c.textContent)")
    assert sum(counts) == 250
    assert re.fullmatch(r"Stopped: (completed 40 epochs|early stopping: .*)", page.text_content("#n-reason"))
    shot(page, "network-spiral")


def test_two_tabs_train_side_by_side(browser, url):
    a, b = browser.new_page(), browser.new_page()
    try:
        for p, dataset in ((a, "spiral"), (b, "circle")):
            open_room(p, url, f"network?dataset={dataset}&max_epochs=100000")
            p.wait_for_function(f"() => Network.setup && Network.state.dataset === '{dataset}'")
        a.click("#n-play")
        b.click("#n-play")
        for p in (a, b):
            p.wait_for_function("() => Network.frame.epoch > 20")
        a.click("#n-play")  # pause one: the other goes on
        a.wait_for_function("() => !Network.running")
        at = b.evaluate("() => Network.frame.epoch")
        b.wait_for_function(f"() => Network.frame.epoch > {at + 10}")
        b.click("#n-play")
    finally:
        a.close()
        b.close()


def test_graph_steps_backward_to_the_seeds_gradients(page, url):
    open_room(page, url, "graph")
    page.fill("#g-formula", "(x + y) * z")
    page.wait_for_function("() => Graph.g && Graph.g.text === '(x + y) * z'")
    for name, value in (("x", "-2"), ("y", "5"), ("z", "-4")):
        page.fill(f"#g-values input[data-name='{name}']", value)
    page.wait_for_timeout(450)  # the inputs' debounce (300 ms) has fired
    page.wait_for_function("() => Graph.g.values.join() === '-2,5,-4'")
    grads = lambda: page.eval_on_selector_all("#g-grads td.grad", "cells => cells.map(c => c.textContent)")
    assert grads() == ["?", "?", "?"]
    page.click("#g-step")
    assert grads() == ["?", "?", "3"]  # f = q z sends -4 to q and 3 to z
    assert "df/dz = 1 × (∂f/∂z = q = 3) = 3" in page.text_content("#g-stepbox")
    page.click("#g-step")
    assert grads() == ["-4", "-4", "3"]
    assert "df/dx = -4 × (∂q/∂x = 1) = -4" in page.text_content("#g-stepbox")
    assert page.is_disabled("#g-step")
    marked = page.eval_on_selector_all("#g-explain .now", "lines => lines.map(l => l.textContent.trim())")
    assert marked[0] == "q = x + y    upstream df/dq = -4"
    if shutil.which("dot"):
        page.click("#g-graphviz summary")
        assert page.locator("#g-svg img").count() == 1
    shot(page, "graph")


def test_graph_neuron_preset(page, url):
    open_room(page, url, "graph")
    page.select_option("#g-preset", label="ReLU neuron, squared error")
    page.wait_for_function("() => Graph.g && Graph.g.text === '(y - max(0, w*x + b))**2'")
    page.click("#g-all")
    grads = page.eval_on_selector_all("#g-grads td.grad", "cells => cells.map(c => c.textContent)")
    assert grads == ["4", "20", "4", "-4"]  # b, w, x, y: the variables in order
    shot(page, "graph-neuron")
