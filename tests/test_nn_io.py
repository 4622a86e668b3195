"""Saving and loading models: bit-exact round trips, no pickle, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import steepest as st
from steepest import nn


def _same(a: nn.Module, b: nn.Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for k in sa:
        assert sa[k].dtype == sb[k].dtype
        assert sa[k].tobytes() == sb[k].tobytes()  # bit for bit


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trip_is_bit_exact(tmp_path, dtype):
    model = nn.MLP([3, 7, 5, 2], activation="tanh", output_activation="sigmoid", seed=0, dtype=dtype)
    for p in model.parameters():  # awkward values: not what an initialiser would draw
        p.data[...] = np.random.default_rng(1).normal(size=p.shape) * 1e-3 + np.pi
    path = model.save(tmp_path / "model.npz")
    other = nn.MLP([3, 7, 5, 2], activation="tanh", output_activation="sigmoid", seed=99, dtype=dtype)
    assert other.load(path) is other
    _same(model, other)
    rebuilt = nn.load(path)
    assert type(rebuilt) is nn.MLP and repr(rebuilt) == repr(model)
    _same(model, rebuilt)
    x = np.ones((4, 3), dtype)
    assert model(x).data.tobytes() == rebuilt(x).data.tobytes()


def test_file_is_plain_npz_with_json_architecture(tmp_path):
    model = nn.MLP([2, 4, 1], activation="leaky_relu", seed=0)
    path = model.save(str(tmp_path / "net"))  # the suffix is added
    assert path.endswith("net.npz")
    with np.load(path, allow_pickle=False) as f:
        assert set(f.files) == {"__architecture__", "layers.0.weight", "layers.0.bias",
                                "layers.2.weight", "layers.2.bias"}
        header = json.loads(str(f["__architecture__"]))
    assert header["model"] == {"class": "MLP", "config": {
        "sizes": [2, 4, 1], "activation": "leaky_relu", "output_activation": None, "dtype": "float64",
        "bias": True, "dropout": 0.0}}
    assert header["parameters"]["layers.0.weight"] == {"shape": [2, 4], "dtype": "float64"}
    assert nn.load(str(tmp_path / "net")).sizes == [2, 4, 1]  # found without the suffix too


def test_sequential_of_builtin_layers_is_rebuilt(tmp_path):
    model = nn.Sequential(nn.Linear(2, 5, seed=0, dtype=np.float32), nn.LeakyReLU(0.2), nn.Dropout(0.1),
                          nn.Linear(5, 3, bias=False, seed=1, dtype=np.float32), nn.Softplus())
    rebuilt = nn.load(model.save(tmp_path / "seq.npz"))
    assert [type(m).__name__ for m in rebuilt] == ["Linear", "LeakyReLU", "Dropout", "Linear", "Softplus"]
    assert rebuilt[1].negative_slope == 0.2 and rebuilt[3].bias is None
    _same(model, rebuilt)


def test_loading_another_shape_names_the_parameter_and_both_shapes(tmp_path):
    path = nn.MLP([2, 8, 1], seed=0).save(tmp_path / "small.npz")
    wider = nn.MLP([2, 16, 1], seed=0)
    before = wider.state_dict()
    with pytest.raises(ValueError, match=r"'layers.0.weight' has shape \(2, 8\) in the file .* "
                                         r"but shape \(2, 16\) in the model"):
        wider.load(path)
    _same_state = wider.state_dict()
    for k in before:  # nothing was written
        np.testing.assert_array_equal(before[k], _same_state[k])
    deeper = nn.MLP([2, 8, 8, 1], seed=0)
    with pytest.raises(KeyError, match=r"missing from the file \['layers.4.bias', 'layers.4.weight'\]"):
        deeper.load(path)


def test_custom_modules_load_into_an_instance(tmp_path):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 3, seed=0)
            self.b = nn.Parameter(np.array([1.5]))

        def forward(self, x):
            return self.a(x) * self.b

    net = Net()
    path = net.save(tmp_path / "custom.npz")
    fresh = Net()
    fresh.b.data[0] = 0.0
    fresh.load(path)
    _same(net, fresh)
    with pytest.raises(ValueError, match="Net whose architecture cannot be rebuilt.*model.load"):
        nn.load(path)


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        nn.load(tmp_path / "missing.npz")
    other = tmp_path / "other.npz"
    np.savez(other, w=np.ones(3))
    with pytest.raises(ValueError, match="not written by steepest"):
        nn.load(other)
    with pytest.raises(TypeError, match="Module"):
        nn.save("not a model", tmp_path / "x.npz")


def test_loaded_weights_keep_training(tmp_path):
    X, y = st.data.xor()
    model = nn.MLP([2, 8, 1], activation="tanh", output_activation="sigmoid", seed=0)
    opt = st.optim.Momentum(model.parameters(), lr=0.5, momentum=0.9)
    for _ in range(50):
        opt.zero_grad()
        nn.mse_loss(model(X), y.reshape(-1, 1)).backward()
        opt.step()
    path = model.save(tmp_path / "xor.npz")
    copy = nn.load(path)
    _same(model, copy)
    model.load(path)  # loading into a model whose parameters an optimizer holds writes in place
    opt.step()


# --- faults: interrupted saves, hostile and damaged files ---------------------------------------------
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import textwrap  # noqa: E402
import threading  # noqa: E402
import zipfile  # noqa: E402

_ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _craft(path, header, arrays, compressed=()):
    """A .npz written by hand: header (a dict, or raw text) under __architecture__, then the arrays."""
    text = header if isinstance(header, str) else json.dumps(header)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        entries = {"__architecture__": np.array(text), **arrays}
        for name, a in entries.items():
            info = zipfile.ZipInfo(name + ".npy")
            info.compress_type = zipfile.ZIP_DEFLATED if name in compressed else zipfile.ZIP_STORED
            with zf.open(info, "w", force_zip64=True) as m:
                np.lib.format.write_array(m, np.asarray(a), allow_pickle=True)
    return path


def _header(model, **parameters):
    from steepest.nn.io import architecture

    shapes = {k: {"shape": list(np.shape(v)), "dtype": np.asarray(v).dtype.name}
              for k, v in parameters.items()}
    return {"format": "steepest-model", "version": 1, "model": architecture(model), "parameters": shapes}


def _limited(code: str, limit: int = 1 << 30, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run code in a fresh Python whose address space is capped: a load that tries to allocate
    gigabytes fails there (MemoryError) instead of taking the machine down."""
    import resource

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, env=_ENV, preexec_fn=cap)


def _clear_load_error(path, *phrases, into=True):
    """nn.load and Module.load (unless `into` is false: a fault of the architecture, which loading
    into a model of one's own does not read) give one ValueError naming the file and the fault."""
    calls = [lambda: nn.load(path)] + [lambda: nn.MLP([2, 3, 1], seed=0).load(path)] * into
    for call in calls:
        with pytest.raises(ValueError) as info:
            call()
        text = str(info.value)
        assert type(info.value) is ValueError and str(path) in text, text
        assert "pickle" not in text.lower(), text
        assert any(p in text for p in phrases), text


def test_interrupted_save_leaves_the_old_file_whole(tmp_path):
    target = tmp_path / "big.npz"
    code = f"""
        import sys
        import numpy as np
        import steepest as st
        old = st.nn.MLP([1024, 4096, 1024], seed=0)
        old.save({str(target)!r})
        print("saved", flush=True)
        new = st.nn.MLP([1024, 4096, 1024], seed=1)
        for _ in range(200):
            print("writing", flush=True)
            new.save({str(target)!r})
    """
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=_ENV)
    try:
        assert child.stdout.readline().strip() == "saved"
        full = os.path.getsize(target)
        assert child.stdout.readline().strip() == "writing"
        for _ in range(20000):  # until the overwrite is under way: the file cut short, or a file beside it
            if os.path.getsize(target) < full or len(os.listdir(tmp_path)) > 1:
                break
            threading.Event().wait(0.0005)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=120)
    finally:
        child.kill()
    assert "KeyboardInterrupt" in err
    loaded = nn.load(target)  # whole: the old weights or the new, never a mixture or a fragment
    w = loaded.state_dict()["layers.0.weight"]
    old = nn.MLP([1024, 4096, 1024], seed=0).state_dict()["layers.0.weight"]
    new = nn.MLP([1024, 4096, 1024], seed=1).state_dict()["layers.0.weight"]
    assert w.tobytes() in (old.tobytes(), new.tobytes())
    assert sorted(os.listdir(tmp_path)) == ["big.npz"]  # no temporary file left behind


def test_failed_save_removes_its_temporary_file(tmp_path, monkeypatch):
    model = nn.MLP([2, 4, 1], seed=0)
    path = model.save(tmp_path / "m.npz")
    os.chmod(path, 0o600)
    before = open(path, "rb").read()
    calls = []
    write = np.lib.format.write_array

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return write(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing)
    with pytest.raises(OSError, match="disk full"):
        nn.MLP([2, 4, 1], seed=5).save(path)
    monkeypatch.undo()
    assert open(path, "rb").read() == before and sorted(os.listdir(tmp_path)) == ["m.npz"]
    nn.MLP([2, 4, 1], seed=5).save(path)  # an overwrite keeps the file's permissions
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_load_reads_the_file_once_and_never_with_np_load(tmp_path, monkeypatch):
    import builtins

    path = nn.MLP([2, 4, 1], seed=0).save(tmp_path / "m.npz")
    opened = []
    real_open = builtins.open

    def counting(file, *args, **kwargs):
        if os.fspath(file) == path:
            opened.append(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting)
    monkeypatch.setattr(np, "load", lambda *a, **k: pytest.fail("np.load was called"))
    nn.load(path)
    assert len(opened) == 1
    nn.MLP([2, 4, 1], seed=1).load(path)
    assert len(opened) == 2


def test_a_header_claiming_huge_layers_is_refused_before_allocating(tmp_path):
    small = nn.MLP([2, 3, 1], seed=0)
    state = small.state_dict()
    header = _header(small, **state)
    header["model"]["config"]["sizes"] = [40000, 40000, 1]  # 12 GB of weights, from a 1 kB file
    lying = _craft(tmp_path / "lying.npz", header, state)
    shapes = _header(small, **state)
    shapes["parameters"]["layers.0.weight"]["shape"] = [40000, 40000]  # the table lies, not the arrays
    table = _craft(tmp_path / "table.npz", shapes, state)
    done = _limited(f"""
        import steepest as st
        for path in ({str(lying)!r}, {str(table)!r}):
            for call in (st.nn.load, st.nn.MLP([2, 3, 1], seed=0).load):
                try:
                    call(path)
                    print("loaded")
                except ValueError as err:
                    print(type(err).__name__, err)
        """)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len(lines) == 4, done.stdout
    assert "architecture needs 1,600,080,001 parameters but the file holds 13" in lines[0]
    assert lines[1] == "loaded"  # into a model of one's own, the file's arrays are what count
    assert str(lying) in lines[0] and all(str(table) in line for line in lines[2:])
    lie = "stored as float64 (2, 3) but the header says float64 (40000, 40000)"
    assert all(lie in line for line in lines[2:])


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """A model file with one extra entry: 1 GiB of zeros deflated to a few megabytes."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.npz"
    model = nn.MLP([2, 3, 1], seed=0)
    state = model.state_dict()
    _craft(path, _header(model, **state), state)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True) as zf:
        with zf.open("zeros.npy", "w", force_zip64=True) as m:
            np.lib.format.write_array_header_1_0(m, {"descr": "<f8", "fortran_order": False,
                                                     "shape": (1 << 27,)})
            block = bytes(1 << 24)
            for _ in range(64):
                m.write(block)
    assert os.path.getsize(path) < 8 << 20
    return path


def test_a_zip_bomb_entry_is_refused_unread(bomb):
    done = _limited(f"""
        import time
        import steepest as st
        start = time.perf_counter()
        for call in (st.nn.load, st.nn.MLP([2, 3, 1], seed=0).load):
            try:
                call({str(bomb)!r})
            except ValueError as err:
                print(err)
        print(time.perf_counter() - start)
        """, limit=768 << 20)
    assert done.returncode == 0, done.stderr[-2000:]
    *errors, seconds = done.stdout.splitlines()
    assert len(errors) == 2 and all("compressed entry 'zeros.npy'" in e for e in errors), errors
    assert float(seconds) < 1.0


def test_a_compressed_or_unexpected_entry_is_refused(tmp_path):
    model = nn.MLP([2, 3, 1], seed=0)
    state = model.state_dict()
    path = _craft(tmp_path / "extra.npz", _header(model, **state), {**state, "payload": np.ones(3)})
    _clear_load_error(path, "entries not in its header ['payload.npy']")
    path = _craft(tmp_path / "deflated.npz", _header(model, **state), state, compressed={"layers.0.bias"})
    _clear_load_error(path, "compressed entry 'layers.0.bias.npy'")


def _damaged_files(tmp_path):
    good = nn.MLP([2, 3, 1], seed=0)
    path = good.save(tmp_path / "good.npz")
    data = open(path, "rb").read()
    files = {}

    def put(name, content, *phrases):
        p = tmp_path / name
        p.write_bytes(content) if isinstance(content, bytes) else p.write_text(content)
        files[name] = (p, phrases)

    put("empty.npz", b"", "is empty")
    put("text.npz", "w = 1, 2, 3\n", "not a steepest model file")
    put("noise.npz", bytes(range(256)) * 8, "not a steepest model file")
    put("half.npz", data[: len(data) // 2], "truncated")
    put("no_tail.npz", data[:-10], "truncated")
    flipped = bytearray(data)
    at = data.index(good.state_dict()["layers.0.weight"].tobytes()) + 5
    flipped[at] ^= 0xFF
    put("flipped.npz", bytes(flipped), "corrupt")
    np.savez(tmp_path / "plain.npz", w=np.ones(3))
    files["plain.npz"] = (tmp_path / "plain.npz", ("not a steepest model file",))
    state = good.state_dict()
    header = _header(good, **state)
    for name, text, phrase in [
        ("not_json.npz", "{{{", "cannot be read as JSON"),
        ("deep_json.npz", "[" * 200000 + "]" * 200000, "cannot be read as JSON"),
        ("list_json.npz", "[1, 2]", "not a steepest model file"),
        ("future.npz", json.dumps({**header, "version": 99}), "version 99"),
        ("no_table.npz", json.dumps({"format": "steepest-model", "version": 1}), "lacks the 'parameters'"),
        ("deep_model.npz", json.dumps({**header, "model": json.loads(
            '{"class": "Sequential", "layers": [' * 150 + '{"class": "Tanh", "config": {}}' + "]}" * 150)}),
         "nested deeper"),
        ("bad_sizes.npz", json.dumps({**header, "model": {"class": "MLP", "config": {"sizes": "2,3,1"}}}),
         "has sizes '2,3,1'"),
        ("bad_shape.npz", json.dumps({**header, "parameters": {**header["parameters"],
                                                               "layers.0.bias": {"shape": "3"}}}),
         "the shape '3'"),
    ]:
        files[name] = (_craft(tmp_path / name, text, state), (phrase,))
    missing = dict(state)
    missing.pop("layers.0.bias")
    files["missing.npz"] = (_craft(tmp_path / "missing.npz", header, missing), ("missing ['layers.0.bias']",))
    files["object.npz"] = (_craft(tmp_path / "object.npz", header, {**state, "layers.0.bias": np.array(
        [{}, {}, {}], dtype=object)}), ("dtype object",))
    return files


def test_damaged_and_foreign_files_get_one_clear_error(tmp_path):
    for name, (path, phrases) in _damaged_files(tmp_path).items():
        try:
            _clear_load_error(path, *phrases, into=name not in ("deep_model.npz", "bad_sizes.npz"))
        except BaseException as err:
            raise AssertionError(f"{name}: {type(err).__name__}: {err}") from None


@pytest.mark.parametrize("dtype", ["complex128", "datetime64[s]", "int64", "bool"])
def test_weights_that_are_not_real_floats_are_refused(tmp_path, dtype):
    model = nn.MLP([2, 3, 1], seed=0)
    state = model.state_dict()
    state["layers.0.weight"] = (state["layers.0.weight"] + 1j if dtype == "complex128"
                                else np.zeros((2, 3), dtype))
    path = _craft(tmp_path / "w.npz", _header(model, **state), state)
    _clear_load_error(path, f"dtype {np.dtype(dtype)}")


def test_structured_weights_are_refused(tmp_path):
    model = nn.MLP([2, 3, 1], seed=0)
    state = model.state_dict()
    state["layers.0.bias"] = np.zeros(3, dtype=[("re", "f8"), ("im", "f8")])
    header = _header(model, **state)
    path = _craft(tmp_path / "s.npz", header, state)
    _clear_load_error(path, "must be real floating-point")


def test_save_refuses_weights_it_could_not_load(tmp_path):
    model = nn.Linear(2, 2, seed=0)
    model.weight.data = model.weight.data.astype(complex)
    with pytest.raises(TypeError, match="'weight' has dtype complex128"):
        model.save(tmp_path / "c.npz")
    assert not os.listdir(tmp_path)


def test_entries_that_share_their_bytes_are_refused(tmp_path):
    # three directory records, two of them pointing at the first one's megabyte: reading all three
    # would cost three times the file
    model = nn.MLP([2, 3, 1], seed=0)
    state = model.state_dict()
    big = {"a": np.zeros(1 << 17), "b": np.zeros(1 << 17), "c": np.zeros(1 << 17)}
    path = tmp_path / "shared.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, a in {"__architecture__": np.array(json.dumps(_header(model, **state, **big))),
                        **state, **big}.items():
            with zf.open(name + ".npy", "w") as m:
                np.lib.format.write_array(m, a)
    with zipfile.ZipFile(path) as zf:
        first = zf.getinfo("a.npy")
    data = bytearray(path.read_bytes())
    end = data[data.index(b"PK\x05\x06"):]  # the end record: where the directory starts
    start = int.from_bytes(end[16:20], "little")
    for name in (b"b.npy", b"c.npy"):  # point their records at a's header and bytes
        at = data.index(b"PK\x01\x02", start)
        while data[at + 46:at + 46 + len(name)] != name:
            at = data.index(b"PK\x01\x02", at + 4)
        data[at + 42:at + 46] = first.header_offset.to_bytes(4, "little")
    del data[first.header_offset + 30 + 5 + first.file_size:start]  # b's and c's own bytes: gone
    path.write_bytes(bytes(data))
    _clear_load_error(path, "bytes in a file of")
