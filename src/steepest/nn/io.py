"""Saving and loading models: one .npz file, written atomically, read without pickle.

The file holds one array per parameter, under its dotted name ("layers.0.weight"), and the
architecture as JSON text under "__architecture__" (a plain unicode array, so
`np.load(path, allow_pickle=False)` reads everything). Nothing in the file is executed on load.

`save` writes a temporary file in the same folder, syncs it to disk and renames it over the
target, so an interrupted save leaves the old file whole. `load` opens the file once and checks
it before it allocates anything: the zip directory, the JSON header, and every array's .npy
header (dtype, shape, size) against the header; entries it does not expect are refused unread,
and no more is read than the file holds. A file that is not a model, truncated, corrupt, or
holds weights that are not real floating-point numbers gets one error naming the file and the fault.

    >>> model = st.nn.MLP([2, 8, 1], activation="tanh", seed=0)
    >>> path = model.save("xor.npz")          # doctest: +SKIP
    >>> same = st.nn.load(path)                # rebuilt from the JSON   # doctest: +SKIP
    >>> model.load(path)                       # or into an existing model   # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import stat
import struct
import zipfile
from typing import Any, BinaryIO

import numpy as np

from steepest.nn import activations, layers
from steepest.nn.module import Module

__all__ = ["save", "load", "load_into", "architecture", "build"]

ARCH_KEY = "__architecture__"
FORMAT = "steepest-model"
VERSION = 1
MAX_HEADER_BYTES = 1 << 24  # 16 MiB of JSON: far more than any architecture needs
MAX_NESTING = 100  # Sequentials inside Sequentials
_CHUNK = 1 << 24  # bytes read at a time into an array
# what reading a damaged zip or .npy can raise, deep down: each becomes "corrupt: ..."
_DAMAGE = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, struct.error, ValueError, KeyError,
           UnicodeDecodeError, OverflowError)

_BUILDERS: dict[str, type[Module]] = {
    "Linear": layers.Linear, "MLP": layers.MLP, "Dropout": layers.Dropout,
    "ReLU": activations.ReLU, "Tanh": activations.Tanh, "Sigmoid": activations.Sigmoid,
    "LeakyReLU": activations.LeakyReLU, "Softplus": activations.Softplus, "GELU": activations.GELU,
    "Identity": activations.Identity,
}


def architecture(model: Module) -> dict[str, Any]:
    """The model as a JSON-ready dict: class, constructor arguments (None if unknown) and children."""
    if type(model) is layers.Sequential:
        return {"class": "Sequential", "layers": [architecture(layer) for layer in model.layers]}
    return {"class": type(model).__name__, "config": model.config()}


def build(arch: dict[str, Any]) -> Module:
    """A fresh model from `architecture(model)` (its weights are then loaded separately)."""
    name = arch.get("class")
    if name == "Sequential":
        return layers.Sequential(*[build(a) for a in arch["layers"]])
    cls = _BUILDERS.get(name)
    if cls is None or arch.get("config") is None:
        raise _custom(name)
    config = dict(arch["config"])
    if cls in (layers.Linear, layers.MLP):
        config["seed"] = 0  # the weights are overwritten; a fixed seed avoids drawing fresh entropy
    return cls(**config)


def _custom(name: Any) -> ValueError:
    return ValueError(f"load: the file holds a {name} whose architecture cannot be rebuilt from JSON "
                      "(a custom module); build the model yourself and call model.load(path)")


def _npz_path(path: str | os.PathLike, reading: bool) -> str:
    p = os.fspath(path)
    if reading and not os.path.exists(p) and os.path.exists(p + ".npz"):
        return p + ".npz"
    if not reading and not p.endswith(".npz"):
        return p + ".npz"
    return p


# --- writing ---------------------------------------------------------------------------------------
def save(model: Module, path: str | os.PathLike) -> str:
    """Write the parameters and the architecture of `model` to `path` (".npz" is added if missing).

    The file is written whole or not at all: into a temporary file beside it, synced to disk, then
    renamed over `path` (an interrupted save leaves the previous file as it was).

    Returns:
        The path written.
    """
    if not isinstance(model, Module):
        raise TypeError(f"save: expected a steepest.nn.Module, got {type(model).__name__}")
    p = _npz_path(path, reading=False)
    state = model.state_dict()
    for name, a in state.items():
        if a.dtype.kind != "f":
            raise TypeError(f"save: parameter {name!r} has dtype {a.dtype}; a model file holds real "
                            "floating-point parameters")
    shapes = {name: {"shape": list(a.shape), "dtype": a.dtype.name} for name, a in state.items()}
    header = {"format": FORMAT, "version": VERSION, "model": architecture(model), "parameters": shapes}
    _write_atomically(p, {ARCH_KEY: np.array(json.dumps(header)), **state})
    return p


def _write_atomically(path: str, arrays: dict[str, np.ndarray]) -> None:
    """Write the .npz to a temporary file in the target's folder, fsync it, and os.replace it over
    the target; on any failure (Ctrl-C included) the temporary file is removed."""
    target = os.path.realpath(path)  # through a symlink: the link stays, the file it names is replaced
    folder = os.path.dirname(target)
    tmp = os.path.join(folder, f".{os.path.basename(target)}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666)  # the umask applies, as to any new file
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
                for name, a in arrays.items():
                    with zf.open(name + ".npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, a, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(OSError):  # overwriting keeps the old file's permissions
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # the rename itself, on disk (not possible everywhere)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# --- reading ---------------------------------------------------------------------------------------
class _ModelFile:
    """An open model file whose directory, header and .npy headers have been checked; `specs` maps
    each parameter to (shape, dtype, fortran order, its zip entry, where its data starts)."""

    def __init__(self, path: str | os.PathLike):
        self.path = p = _npz_path(path, reading=True)
        try:
            self.file: BinaryIO = open(p, "rb")
        except FileNotFoundError:
            raise FileNotFoundError(f"load: no such file {p!r}") from None
        try:
            self.zip = self._open_zip()
            entries = self._entries()
            self.header = self._header(entries.pop(ARCH_KEY + ".npy"))
            self.specs = self._specs(entries)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> _ModelFile:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.zip.close()
        self.file.close()

    def fail(self, what: str) -> ValueError:
        return ValueError(f"load: {self.path!r} {what}")

    def _open_zip(self) -> zipfile.ZipFile:
        self.size = os.fstat(self.file.fileno()).st_size
        if self.size == 0:
            raise self.fail("is empty: not a steepest model file (was the save interrupted?)")
        start = self.file.read(4)
        self.file.seek(0)
        try:
            return zipfile.ZipFile(self.file)
        except _DAMAGE:
            if start == b"PK\x03\x04":
                raise self.fail("is truncated or corrupt: it begins as a .npz (zip) archive but its "
                                "directory is missing or damaged (was the save interrupted?)") from None
            raise self.fail("is not a steepest model file (not a .npz archive written by "
                            "steepest.nn.save)") from None

    def _entries(self) -> dict[str, zipfile.ZipInfo]:
        """The zip directory as name -> entry, checked: no duplicates, stored (not compressed), and
        lying inside the file."""
        infos = self.zip.infolist()
        entries = {info.filename: info for info in infos}
        if ARCH_KEY + ".npy" not in entries:
            raise self.fail(f"is not a steepest model file: it has no {ARCH_KEY} entry (a .npz not "
                            "written by steepest.nn.save)")
        if len(entries) != len(infos):
            raise self.fail("is corrupt: its zip directory names an entry twice")
        for info in infos:
            if info.compress_type != zipfile.ZIP_STORED:
                raise self.fail(f"holds a compressed entry {info.filename!r}; steepest model files store "
                                "their arrays uncompressed (write them with steepest.nn.save)")
            if info.compress_size != info.file_size or info.header_offset + info.file_size > self.size:
                raise self.fail(f"is truncated or corrupt: entry {info.filename!r} claims "
                                f"{info.file_size:,} bytes that the file does not hold")
        claimed = sum(info.file_size for info in infos)
        if claimed > self.size:  # entries that share their bytes would make reading cost more than the file
            raise self.fail(f"is corrupt: its entries claim {claimed:,} bytes in a file of {self.size:,}")
        return entries

    def _npy_header(self, member: Any) -> tuple[tuple[int, ...], bool, np.dtype]:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            return np.lib.format.read_array_header_1_0(member)
        if version == (2, 0):
            return np.lib.format.read_array_header_2_0(member)
        raise ValueError(f".npy format version {version}")

    def _header(self, info: zipfile.ZipInfo) -> dict[str, Any]:
        if info.file_size > MAX_HEADER_BYTES:
            raise self.fail(f"is not a steepest model file: its {ARCH_KEY} entry holds {info.file_size:,} "
                            f"bytes (at most {MAX_HEADER_BYTES:,})")
        try:
            with self.zip.open(info) as member:
                shape, _, dtype = self._npy_header(member)
                if dtype.kind != "U" or shape != ():
                    raise self.fail(f"is not a steepest model file: {ARCH_KEY} is not JSON text")
                raw = member.read(dtype.itemsize)  # bounded by the entry's size, checked above
                if len(raw) != dtype.itemsize:
                    raise EOFError("the text ends early")
                text = str(np.frombuffer(raw, dtype)[0])
            header = json.loads(text)
        except (RecursionError, *_DAMAGE) as err:
            if isinstance(err, ValueError) and str(err).startswith("load:"):
                raise
            raise self.fail(f"is corrupt: its {ARCH_KEY} entry cannot be read as JSON "
                            f"({type(err).__name__}: {str(err)[:200]})") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise self.fail(f"is not a steepest model file (its header has no format {FORMAT!r})")
        version = header.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version > VERSION:
            raise self.fail(f"has format {FORMAT} version {version!r}; this steepest reads up to "
                            f"version {VERSION}")
        if not isinstance(header.get("parameters"), dict) or not isinstance(header.get("model"), dict):
            raise self.fail("is corrupt: its header lacks the 'parameters' or 'model' table")
        return header

    def _specs(self, entries: dict[str, zipfile.ZipInfo]) -> dict[str, tuple]:
        """Each parameter's shape and dtype, as the header says and as its .npy header agrees."""
        listed = self.header["parameters"]
        stored = {name[:-4]: info for name, info in entries.items() if name.endswith(".npy")}
        unexpected = sorted(set(entries) - {n + ".npy" for n in listed})
        missing = sorted(set(listed) - set(stored))
        if unexpected or missing:
            raise self.fail(f"is corrupt or not a steepest model file: entries not in its header "
                            f"{unexpected[:10]}, parameters of its header missing {missing[:10]}")
        return {name: self._spec(name, listed[name], stored[name]) for name in listed}

    def _spec(self, name: str, claim: Any, info: zipfile.ZipInfo) -> tuple:
        shape = claim.get("shape") if isinstance(claim, dict) else None
        if not (isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape)):
            raise self.fail(f"is corrupt: the header gives parameter {name!r} the shape {shape!r}")
        try:
            with self.zip.open(info) as member:
                stored_shape, fortran, dtype = self._npy_header(member)
                offset = member.tell()
        except _DAMAGE as err:
            raise self.fail(f"is corrupt: the .npy header of {name!r} cannot be read "
                            f"({type(err).__name__}: {str(err)[:200]})") from None
        if dtype.kind != "f" or dtype.fields is not None or dtype.subdtype is not None:
            raise self.fail(f"holds parameter {name!r} with dtype {dtype}; a model's weights must be real "
                            "floating-point numbers (float16/32/64)")
        if list(stored_shape) != shape or dtype.name != claim.get("dtype"):
            raise self.fail(f"is corrupt: parameter {name!r} is stored as {dtype.name} {stored_shape} "
                            f"but the header says {claim.get('dtype')} {tuple(shape)}")
        nbytes = math.prod(shape) * dtype.itemsize
        if offset + nbytes != info.file_size:
            raise self.fail(f"is truncated or corrupt: entry {name!r} holds {info.file_size - offset:,} "
                            f"bytes of data where {dtype.name} {tuple(shape)} needs {nbytes:,}")
        return tuple(shape), dtype, fortran, info, offset

    def count(self) -> int:
        """How many numbers the file's parameters hold."""
        return sum(math.prod(spec[0]) for spec in self.specs.values())

    def arrays(self) -> dict[str, np.ndarray]:
        """Every parameter's array, read in bounded chunks; the zip checksums are verified."""
        return {name: self._array(name, *spec) for name, spec in self.specs.items()}

    def _array(self, name: str, shape: tuple, dtype: np.dtype, fortran: bool, info: Any, offset: int):
        flat = np.empty(math.prod(shape), dtype)
        buffer = memoryview(flat.view(np.uint8))
        try:
            with self.zip.open(info) as member:
                member.read(offset)  # the .npy header, already checked
                done = 0
                while done < len(buffer):
                    chunk = member.read(min(_CHUNK, len(buffer) - done))
                    if not chunk:
                        raise EOFError("the data ends early")
                    buffer[done:done + len(chunk)] = chunk
                    done += len(chunk)
                member.read(1)  # reaching the end checks the CRC
        except _DAMAGE as err:
            raise self.fail(f"is corrupt: the data of {name!r} cannot be read "
                            f"({type(err).__name__}: {str(err)[:200]})") from None
        return flat.reshape(shape, order="F" if fortran else "C")


def _check_names(f: _ModelFile, model: Module) -> None:
    """The model's parameters and the file's: the same names and shapes (before any data is read)."""
    params = dict(model.named_parameters())
    missing = sorted(set(params) - set(f.specs))
    unexpected = sorted(set(f.specs) - set(params))
    if missing or unexpected:
        raise KeyError(f"load: the model and the file {f.path!r} hold different parameters: "
                       f"missing from the file {missing}, not in the model {unexpected}")
    for name, p in params.items():
        if f.specs[name][0] != p.data.shape:
            raise ValueError(f"load: parameter {name!r} has shape {f.specs[name][0]} in the file "
                             f"{f.path!r} but shape {p.data.shape} in the model")


def load_into(model: Module, path: str | os.PathLike) -> None:
    """Copy the weights saved at `path` into `model`, in place (nothing is written unless all is read).

    Raises:
        FileNotFoundError: no such file.
        KeyError: when the file and the model name different parameters (all differences listed).
        ValueError: when a parameter's shape differs (naming it and both shapes), or the file is not a
            steepest model file, is truncated or corrupt, or holds weights that are not real floats.
    """
    with _ModelFile(path) as f:
        _check_names(f, model)
        arrays = f.arrays()
    model.load_state_dict(arrays)


def load(path: str | os.PathLike) -> Module:
    """Rebuild a model saved with `save` (built-in layers, Sequential and MLP) and load its weights.

    The architecture in the header is checked against the arrays the file holds before the model
    is built, so a header cannot make `load` allocate more than the file stores.
    """
    with _ModelFile(path) as f:
        arch = f.header["model"]
        need, have = _parameter_count(f, arch, 0), f.count()
        if need != have:
            raise f.fail(f"is corrupt: its architecture needs {need:,} parameters but the file holds "
                         f"{have:,}")
        try:
            model = build(arch)
        except (TypeError, ValueError, KeyError, AttributeError) as err:
            raise f.fail(f"is corrupt: its architecture cannot be built ({type(err).__name__}: "
                         f"{err})") from None
        _check_names(f, model)
        arrays = f.arrays()
    model.load_state_dict(arrays)
    return model


def _parameter_count(f: _ModelFile, arch: Any, depth: int) -> int:
    """The numbers the architecture's parameters hold, from the JSON alone (nothing is built)."""
    if depth > MAX_NESTING:
        raise f.fail(f"is corrupt: its architecture is nested deeper than {MAX_NESTING}")
    if not isinstance(arch, dict):
        raise f.fail(f"is corrupt: a layer of its architecture is {type(arch).__name__}, not a table")
    name, config = arch.get("class"), arch.get("config")
    if name == "Sequential":
        children = arch.get("layers")
        if not isinstance(children, list):
            raise f.fail("is corrupt: a Sequential of its architecture has no list of layers")
        return sum(_parameter_count(f, a, depth + 1) for a in children)
    if name not in _BUILDERS or not isinstance(config, dict):
        raise _custom(name)
    if name not in ("Linear", "MLP"):
        return 0  # activations and Dropout hold no parameters
    linear = [config.get("in_features"), config.get("out_features")]
    sizes = linear if name == "Linear" else config.get("sizes")
    if not (isinstance(sizes, list) and len(sizes) >= 2 and all(type(n) is int and n >= 1 for n in sizes)):
        raise f.fail(f"is corrupt: its {name} has sizes {sizes!r}")
    bias = config.get("bias", True) is not False
    return sum(a * b + (b if bias else 0) for a, b in zip(sizes[:-1], sizes[1:], strict=True))
