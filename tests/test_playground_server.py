"""The playground's HTTP and WebSocket API, through Starlette's TestClient: what each route answers,
that its numbers are steepest's, and that malformed requests get a clear 4xx."""

import json

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx2")  # what starlette.testclient imports first (then httpx)
pytest.importorskip("plotly")

from starlette.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocketDisconnect  # noqa: E402

import steepest as st  # noqa: E402
from steepest.playground.server import create_app  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


def post(client, path, body):
    return client.post(path, json=body)


# --- the page and its files ------------------------------------------------------------------------
def test_page_scripts_and_plotly_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "steepest" in page.text and "/vendor/plotly.min.js" in page.text
    scripts = ("app.js", "common.js", "descent.js", "descent-plot.js", "network.js", "network-draw.js",
               "graph.js")
    for name in scripts:
        assert f"/static/js/{name}" in page.text
        assert client.get(f"/static/js/{name}").status_code == 200
    assert client.get("/static/css/playground.css").status_code == 200
    plotly = client.get("/vendor/plotly.min.js")
    assert plotly.status_code == 200 and "plotly" in plotly.text[:2000].lower()
    assert "cdn" not in page.text.lower()  # nothing is fetched from elsewhere


def test_info_lists_what_steepest_has(client):
    info = client.get("/api/info").json()
    names = [m["name"] for m in info["methods"]]
    assert names[: len(st.optim.RULES)] == list(st.optim.RULES)
    assert info["methods"][names.index("momentum")]["hyperparameters"] == {"momentum": 0.9}
    assert "armijo" in info["line_searches"]
    assert set(info["datasets"]) == {"circle", "xor", "gauss", "spiral", "moons", "plane", "gauss_regression"}
    assert list(info["features"]) == ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"]
    assert info["limits"]["layers"] == 6 and info["limits"]["neurons"] == 8
    assert info["optimizers"] == list(st.optim.OPTIMIZERS)


# --- formulas ------------------------------------------------------------------------------------------
def test_parse_gives_the_variables(client):
    r = post(client, "/api/parse", {"formula": "9*x1**2 + x2**2"})
    assert r.status_code == 200 and r.json()["variables"] == ["x1", "x2"]


@pytest.mark.parametrize("formula, col", [("x^2", 1), ("x**2 +", 6), ("__import__('os')", 0), ("2x", 1)])
def test_a_bad_formula_is_a_400_with_st_parse_s_caret(client, formula, col):
    r = post(client, "/api/parse", {"formula": formula})
    assert r.status_code == 400
    data = r.json()
    with pytest.raises(st.ExprError) as err:
        st.parse(formula)
    assert data["kind"] == "parse" and data["col"] == err.value.col == col
    assert data["pointer"] == err.value.pointer("")
    assert data["pointer"].splitlines()[1] == " " * col + "^"


def test_three_variables_are_refused_by_the_descent_lab(client):
    r = post(client, "/api/descent/landscape", {"formula": "x + y + z"})
    assert r.status_code == 400 and "1 or 2 variables" in r.json()["error"]


# --- the descent lab -------------------------------------------------------------------------------
def test_runs_are_st_minimize_s(client):
    body = {"formula": "x**2 + 5*sin(x)", "start": [-5], "tol": 1e-3, "max_iter": 1000,
            "runners": [{"method": "gd", "lr": 0.1}, {"method": "gd", "lr": 0.5},
                        {"method": "momentum", "lr": 0.05, "hyper": {"momentum": 0.5}}]}
    runs = post(client, "/api/descent/run", body).json()["runs"]
    f = lambda x: x**2 + 5 * st.sin(x)
    for run, kw in zip(runs, [{"lr": 0.1}, {"lr": 0.5}, {"method": "momentum", "lr": 0.05, "momentum": 0.5}],
                       strict=True):
        res = st.minimize(f, -5.0, tol=1e-3, max_iter=1000, **kw)
        assert run["reason"] == res.reason and run["n_iter"] == res.n_iter
        np.testing.assert_allclose(run["path"], res.path, rtol=1e-12)
        np.testing.assert_allclose(run["slopes"], 2 * res.path + 5 * np.cos(res.path), rtol=1e-9)
    assert runs[0]["reason"] == "gradient norm 3.6e-04 < tol 1.0e-03 after 12 iterations"
    assert runs[0]["iterations_to_tol"] == 12


def test_a_diverging_run_reports_steepest_s_reason(client):
    body = {"formula": "x**2", "start": [1], "runners": [{"method": "gd", "lr": 1.5}]}
    run = post(client, "/api/descent/run", body).json()["runs"][0]
    assert run["reason"] == st.minimize(lambda x: x**2, 1.0, lr=1.5, tol=1e-3).reason
    assert run["reason"].startswith("diverged") and run["iterations_to_tol"] is None
    assert run["converged"] is False


def test_line_search_runs(client):
    body = {"formula": "9*x1**2 + x2**2", "start": [1, 2],
            "runners": [{"method": "gd", "lr": 1.0, "line_search": "armijo"}]}
    run = post(client, "/api/descent/run", body).json()["runs"][0]
    f = st.parse("9*x1**2 + x2**2")
    res = st.minimize(f, np.array([1.0, 2.0]), lr=1.0, line_search="armijo", tol=1e-3)
    assert run["reason"] == res.reason and run["n_fev"] == res.n_fev


def test_landscape_1d_and_2d_with_minus_gradient_arrows(client):
    one = post(client, "/api/descent/landscape", {"formula": "x**2 + 5*sin(x)", "view": [-6, 6]}).json()
    x = np.array(one["x"])
    np.testing.assert_allclose(one["f"], x**2 + 5 * np.sin(x))
    np.testing.assert_allclose(one["df"], 2 * x + 5 * np.cos(x))
    two = post(client, "/api/descent/landscape", {"formula": "9*x1**2 + x2**2"}).json()
    z, xs, ys = np.array(two["z"]), np.array(two["x"]), np.array(two["y"])
    assert z.shape == (len(ys), len(xs))
    np.testing.assert_allclose(z[3, 5], 9 * xs[5] ** 2 + ys[3] ** 2)  # z[i][j] = f(x[j], y[i])
    a = {k: np.array(v) for k, v in two["arrows"].items()}
    np.testing.assert_allclose(a["u"], -18 * a["x"])
    np.testing.assert_allclose(a["v"], -2 * a["y"])


def test_not_finite_values_are_null_not_nan(client):
    r = post(client, "/api/descent/landscape", {"formula": "log(x)", "view": [-1, 1]})
    assert r.status_code == 200 and "NaN" not in r.text and "Infinity" not in r.text
    assert r.json()["f"][0] is None


# --- the graph lab -----------------------------------------------------------------------------------
def test_graph_of_the_seeds_example(client):
    g = post(client, "/api/graph", {"formula": "(x + y) * z", "values": {"x": -2, "y": 5, "z": -4}}).json()
    assert g["value"] == -12 and g["grads"] == {"x": -4, "y": -4, "z": 3}
    names = [n["name"] for n in g["nodes"]]
    assert names == ["x", "y", "q", "z", "f"]
    first, second = g["steps"]
    assert names[first["node"]] == "f" and first["upstream"] == 1
    parts = lambda step: [(names[p["input"]], p["local"], p["product"]) for p in step["parts"]]
    assert parts(first) == [("q", -4, -4), ("z", 3, 3)]
    assert parts(second) == [("x", 1, -4), ("y", 1, -4)]
    x, y, z = (st.tensor(v, requires_grad=True, name=n) for v, n in ((-2.0, "x"), (5.0, "y"), (-4.0, "z")))
    assert g["explain"] == st.explain((x + y) * z)
    assert g["dot"].startswith("digraph steepest")


def test_graph_neuron_and_a_path_taken_twice(client):
    g = post(client, "/api/graph", {"formula": "(y - max(0, w*x + b))**2",
                                    "values": {"b": 1, "w": 1, "x": 5, "y": 4}}).json()
    assert g["value"] == 4 and g["grads"] == {"b": 4, "w": 20, "x": 4, "y": -4}
    square = post(client, "/api/graph", {"formula": "x * x", "values": {"x": 3}}).json()
    parts = square["steps"][0]["parts"]
    assert [p["accumulates"] for p in parts] == [False, True] and square["grads"] == {"x": 6}


# --- the 4xx cases -------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/parse", "/api/descent/run", "/api/descent/landscape", "/api/graph"])
def test_malformed_bodies_are_4xx(client, path):
    bad_json = client.post(path, content=b"{not json", headers={"content-type": "application/json"})
    assert bad_json.status_code == 400 and "not valid JSON" in bad_json.json()["error"]
    not_object = client.post(path, json=[1, 2])
    assert not_object.status_code == 400 and "JSON object" in not_object.json()["error"]
    wrong_type = client.post(path, content=b"formula=x", headers={"content-type": "text/plain"})
    assert wrong_type.status_code == 415
    huge = client.post(path, content=b" " * 300_000, headers={"content-type": "application/json"})
    assert huge.status_code == 413
    assert client.get(path).status_code == 405


@pytest.mark.parametrize("body, words", [
    ({"formula": "x**2", "runners": [{"method": "newton-raphson"}]}, "method must be one of"),
    ({"formula": "x**2", "runners": [{"method": "gd", "lr": -1}]}, "lr must be in"),
    ({"formula": "x**2", "runners": [{"method": "gd", "lr": "fast"}]}, "lr must be a finite number"),
    ({"formula": "x**2", "runners": [{"method": "gd", "hyper": {"momentum": 0.9}}]},
     "gd takes no hyperparameters"),
    ({"formula": "x**2", "runners": [{"method": "momentum", "hyper": {"momentum": 2}}]},
     "momentum must be in"),
    ({"formula": "x**2", "runners": [{"method": "gd"}] * 9}, "1 to 8 methods"),
    ({"formula": "x**2", "start": [1, 2]}, "start must hold 1 number"),
    ({"formula": "x**2", "max_iter": 10**7}, "max_iter must be between"),
    ({"formula": "x**2", "tol": float("inf")}, "tol must be a finite number"),
    ({"formula": 42}, "formula must be a string"),
    ({"formula": "x**2", "runners": [{"method": "gd", "line_search": "magic"}]},
     "line_search must be one of"),
])
def test_bad_descent_settings_are_400s_that_say_what(client, body, words):
    r = client.post("/api/descent/run", content=json.dumps(body).replace("Infinity", "1e999"),
                    headers={"content-type": "application/json"})
    assert r.status_code == 400 and words in r.json()["error"], r.json()


def test_bad_graph_values(client):
    r = post(client, "/api/graph", {"formula": "x*y", "values": {"x": 1, "q": 2}})
    assert r.status_code == 400 and "'q' is not a variable" in r.json()["error"]
    r = post(client, "/api/graph", {"formula": "x*y", "values": {"x": "one"}})
    assert r.status_code == 400 and "x must be a finite number" in r.json()["error"]


def test_unknown_route_is_a_json_404(client):
    r = client.get("/api/nothing")
    assert r.status_code == 404 and "error" in r.json()


def test_host_header_is_checked_when_asked():
    with TestClient(create_app(allowed_hosts=["127.0.0.1", "localhost"])) as c:
        assert c.get("/api/info").status_code == 400  # Host: testserver
    with TestClient(create_app(allowed_hosts=["127.0.0.1"]), base_url="http://127.0.0.1") as c:
        assert c.get("/api/info").status_code == 200


# --- CSV uploads and the network lab's WebSocket -----------------------------------------------------
def csv_text(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, (n, 2))
    rows = ["x1,x2,label"] + [f"{a:.4f},{b:.4f},{int(a * b > 0)}" for a, b in X]
    return "\n".join(rows).encode()


def test_csv_upload(client):
    r = client.post("/api/network/csv", content=csv_text(), headers={"content-type": "text/csv"})
    assert r.status_code == 200
    data = r.json()
    assert data["rows"] == 40 and data["task"] == "classification" and data["classes"] == 2
    bad = client.post("/api/network/csv", content=b"a,b,c\n1,2,x\n", headers={"content-type": "text/csv"})
    assert bad.status_code == 400 and "not numeric" in bad.json()["error"]
    three = client.post("/api/network/csv", content=b"a,b,c,d\n" + b"1,2,3,0\n" * 5)
    assert three.status_code == 400 and "exactly 2" in three.json()["error"]
    big = client.post("/api/network/csv", content=b"1,2,0\n" * 200_000)
    assert big.status_code == 413


def receive_until(ws, kinds, limit=2000):
    for _ in range(limit):
        m = ws.receive_json()
        if m["type"] in kinds:
            return m
    raise AssertionError(f"no {kinds} message")


def test_network_socket_trains_and_streams(client):
    with client.websocket_connect("/ws/network") as ws:
        ws.send_json({"type": "config", "config": {"dataset": "xor", "hidden": [4, 2], "max_epochs": 30}})
        setup = receive_until(ws, {"setup"})
        assert setup["task"] == "classification" and setup["hidden"] == [4, 2] and setup["epoch"] == 0
        assert len(setup["neurons"]) == 2 and len(setup["neurons"][0]) == 4
        assert len(setup["neurons"][0][0]) == setup["grids"]["neuron"] ** 2
        assert len(setup["train"]["x"]) + len(setup["test"]["x"]) == 500
        ws.send_json({"type": "play"})
        done = receive_until(ws, {"done"})
        assert done["reason"] == "completed 30 epochs" and done["epoch"] == 30
        assert set(done["metrics"]) >= {"train_loss", "test_loss", "test_accuracy", "confusion"}
        assert np.sum(done["metrics"]["confusion"]) == len(setup["test"]["x"])


def test_network_socket_with_an_uploaded_csv(client):
    key = client.post("/api/network/csv", content=csv_text(80, 1)).json()["id"]
    with client.websocket_connect("/ws/network") as ws:
        ws.send_json({"type": "config", "config": {"dataset": "csv", "upload": key, "train_pct": 50}})
        setup = receive_until(ws, {"setup"})
        assert len(setup["train"]["x"]) == 40 and setup["domain"] > 3
        ws.send_json({"type": "config", "config": {"dataset": "csv", "upload": "nope"}})
        error = receive_until(ws, {"error"})
        assert "upload it again" in error["error"]


@pytest.mark.parametrize("message, words", [
    ("{oops", "not valid JSON"), ("[1]", 'a JSON object with a "type"'),
    ('{"type": "dance"}', "unknown message type"),
    ('{"type": "config", "config": {"hidden": [9]}}', "hidden must list up to 6 layer widths of 1 to 8"),
    ('{"type": "config", "config": {"batch_size": 31}}', "batch_size must be between 1 and 30"),
    ('{"type": "config", "config": {"features": ["x3"]}}', "features must be a non-empty list"),
    ('{"type": "config", "config": {"noise": 51}}', "noise must be between 0 and 50"),
    ('{"type": "config", "config": {"train_pct": 5}}', "train_pct must be between 10 and 90"),
    ('{"type": "play"}', "send a configuration first"),
    ('{"type": "lr", "lr": 0}', "lr must be in (0, 10]"),
])
def test_malformed_socket_messages_get_a_400_error_and_the_socket_stays(client, message, words):
    with client.websocket_connect("/ws/network") as ws:
        ws.send_text(message)
        error = ws.receive_json()
        assert error["type"] == "error" and error["status"] == 400 and words in error["error"], error
        ws.send_json({"type": "config", "config": {"max_epochs": 1}})
        assert receive_until(ws, {"setup"})["type"] == "setup"


def test_a_socket_from_another_site_is_refused(client):
    with pytest.raises(WebSocketDisconnect) as err:
        with client.websocket_connect("/ws/network", headers={"origin": "http://elsewhere.example"}):
            pass
    assert err.value.code == 1008
    with client.websocket_connect("/ws/network", headers={"origin": "http://testserver"}) as ws:
        ws.send_json({"type": "config", "config": {}})
        assert receive_until(ws, {"setup"})["type"] == "setup"
