"""fit(): train a model by gradient descent on (X, y), with minibatches, validation and early stopping.

One epoch is one pass over the training data. With batch_size=None the whole set is one batch,
so each epoch is one step of the seeds' gradient descent eta <- eta - lr * grad Phi(eta); an int
batch_size gives stochastic minibatch descent. Each step is the loop a user would write:

    optimizer.zero_grad(); loss = loss_fn(model(xb), yb); loss.backward(); optimizer.step()

and `fit` keeps the record (History): the loss per epoch, the validation loss, the accuracy for
classification losses, the learning rate, the time, and why training stopped.
"""

from __future__ import annotations

import html
import math
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from steepest.autodiff import no_grad
from steepest.nn.init import Seed, as_generator
from steepest.nn.losses import (
    CLASSIFICATION_LOSSES,
    binary_cross_entropy_with_logits,
    cross_entropy,
    get_loss,
)
from steepest.tensor import Tensor

__all__ = ["fit", "History", "EarlyStopping"]

Callback = Callable[[int, dict[str, Any]], Any]


class History:
    """What happened during `fit`: one entry per epoch in each list.

    Attributes:
        loss: mean training loss over the epoch's batches (for full-batch training: the loss at the
            parameters the epoch's step started from).
        val_loss: validation loss after the epoch (empty without validation data).
        accuracy, val_accuracy: fraction classified correctly (classification losses only).
        lrs: learning rate used in the epoch.
        times: seconds since the start of training, at the end of each epoch.
        stopped_reason: why training stopped, in words.
        best_epoch: the epoch (1-based) whose weights early stopping kept, else None.
        interrupted: True when Ctrl-C (KeyboardInterrupt) stopped training; the lists then hold the
            epochs that finished, one row each (the weights may be part-way into the next epoch).
    """

    _SERIES = ("loss", "val_loss", "accuracy", "val_accuracy", "lrs", "times")

    def __init__(self) -> None:
        self.loss: list[float] = []
        self.val_loss: list[float] = []
        self.accuracy: list[float] = []
        self.val_accuracy: list[float] = []
        self.lrs: list[float] = []
        self.times: list[float] = []
        self.stopped_reason = "not started"
        self.best_epoch: int | None = None
        self.interrupted = False

    @property
    def epochs(self) -> int:
        """Number of epochs completed."""
        return len(self.loss)

    @property
    def time(self) -> float:
        """Seconds spent training."""
        return self.times[-1] if self.times else 0.0

    def __getitem__(self, key: str) -> Any:
        if key not in self._SERIES + ("epochs", "time", "stopped_reason", "best_epoch", "interrupted"):
            raise KeyError(f"History has no {key!r}; it has {list(self._SERIES)}")
        return getattr(self, key)

    def keys(self) -> list[str]:
        """Names of the series that hold values."""
        return [k for k in self._SERIES if getattr(self, k)]

    def to_dict(self) -> dict[str, Any]:
        """The series and the summary as plain Python values (JSON-ready)."""
        d: dict[str, Any] = {k: list(getattr(self, k)) for k in self._SERIES}
        d.update(epochs=self.epochs, stopped_reason=self.stopped_reason, best_epoch=self.best_epoch,
                 interrupted=self.interrupted)
        return d

    def plot(self, **kwargs: Any) -> Any:
        """Train and validation loss per epoch (steepest.viz.plot_loss)."""
        from steepest.viz.curves import plot_loss

        return plot_loss(self, **kwargs)

    def _summary(self) -> list[tuple[str, str]]:
        rows = [("epochs", str(self.epochs))]
        if self.loss:
            rows.append(("loss", f"{self.loss[0]:.4g} -> {self.loss[-1]:.4g}"))
        if self.val_loss:
            best = int(np.nanargmin(self.val_loss)) if np.any(np.isfinite(self.val_loss)) else 0
            rows.append(("val_loss", f"{self.val_loss[-1]:.4g} (best {self.val_loss[best]:.4g} "
                                     f"at epoch {best + 1})"))
        if self.accuracy:
            rows.append(("accuracy", f"{self.accuracy[-1]:.4f}"))
        if self.val_accuracy:
            rows.append(("val_accuracy", f"{self.val_accuracy[-1]:.4f}"))
        if self.lrs:
            same = min(self.lrs) == max(self.lrs)
            rows.append(("lr", f"{self.lrs[0]:.4g}" + ("" if same else f" -> {self.lrs[-1]:.4g}")))
        rows.append(("time", f"{self.time:.3g} s"))
        rows.append(("stopped", self.stopped_reason))
        return rows

    def __repr__(self) -> str:
        return "History(" + ", ".join(f"{k}={v}" for k, v in self._summary()) + ")"

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                       f"<td style='text-align:left'>{html.escape(v)}</td></tr>" for k, v in self._summary())
        return f"<table><caption style='text-align:left'><b>History</b></caption>{rows}</table>"


class EarlyStopping:
    """Stop when the monitored loss has not improved for `patience` epochs.

    Args:
        patience: epochs without improvement to tolerate.
        monitor: "val_loss" (default when there is validation data) or "loss".
        min_delta: an improvement must lower the best value by more than this.
        restore_best: put back the weights of the best epoch when stopping (and at the end).
    """

    def __init__(self, patience: int = 10, monitor: str | None = None, min_delta: float = 0.0,
                 restore_best: bool = True):
        if int(patience) < 1:
            raise ValueError(f"EarlyStopping: patience must be at least 1, got {patience}")
        if monitor not in (None, "loss", "val_loss"):
            raise ValueError(f"EarlyStopping: monitor must be 'loss' or 'val_loss', got {monitor!r}")
        self.patience = int(patience)
        self.monitor = monitor
        self.min_delta = float(min_delta)
        self.restore_best = bool(restore_best)

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, monitor={self.monitor!r}, "
                f"min_delta={self.min_delta}, restore_best={self.restore_best})")


def _array(name: str, a: Any) -> np.ndarray:
    a = np.asarray(a.data if isinstance(a, Tensor) else a)
    if a.ndim == 0:
        raise ValueError(f"fit: {name} must be an array with one row per example, got a scalar")
    if a.dtype.kind not in "biuf":
        raise ValueError(f"fit: {name} must be numeric, got an array of dtype {a.dtype}")
    bad = ~np.isfinite(a) if a.dtype.kind == "f" else None
    if bad is not None and bad.any():  # else training "diverges" at once, for no fault of the lr
        row = int(np.argwhere(bad)[0][0])
        raise ValueError(f"fit: {name} has {int(bad.sum())} NaN or infinite entries (the first in "
                         f"row {row}); drop or fill them before training")
    return a


def _cast(name: str, a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """a in the model's dtype; an entry too large for it (1e39 for float32) is an error, not an inf."""
    if a.dtype == dtype:
        return a
    with np.errstate(over="ignore", invalid="ignore"):
        b = a.astype(dtype)
    bad = ~np.isfinite(b) if b.dtype.kind == "f" else None
    if bad is not None and bad.any():  # finite before the cast (checked), so it overflowed
        row, big = int(np.argwhere(bad)[0][0]), float(np.max(np.abs(a[bad])))
        raise ValueError(f"fit: {name} has {int(bad.sum())} entries too large for the model's {dtype} (the "
                         f"first in row {row}; up to {big:.3g}, where {dtype} holds at most "
                         f"{float(np.finfo(dtype).max):.3g}); scale the data, or build the model with "
                         "dtype='float64'")
    return b


def _prepare(model: Any, X: Any, y: Any, loss_fn: Callable, dtype: np.dtype,
             what: str = "X and y", names: tuple[str, str] = ("X", "y")) -> tuple[np.ndarray, np.ndarray]:
    """X in the model's dtype; y as labels for cross_entropy, else in the model's dtype and (N, 1)
    when the model has one output and y is (N,). `names` are what errors call X and y."""
    X, y = _array(names[0], X), _array(names[1], y)
    if len(X) != len(y):
        raise ValueError(f"fit: {what} have different numbers of examples: {X.shape} and {y.shape}")
    X = _cast(names[0], X, dtype)
    if loss_fn is cross_entropy and y.ndim == 1:
        if y.dtype.kind == "f" and np.all(y == np.round(y)):
            y = y.astype(np.int64)  # labels read as floats (from a CSV, say)
        return X, y
    y = _cast(names[1], y, dtype)
    if y.ndim == 1 and len(X) and _output_shape(model, X[:1]) == (1, 1):
        y = y.reshape(-1, 1)
    return X, y


def _output_shape(model: Any, x: np.ndarray) -> tuple[int, ...]:
    """The shape of model(x), computed in eval mode (so Dropout draws no random numbers)."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            out = model(x)
    finally:
        model.train(was_training)
    return np.shape(out.data if isinstance(out, Tensor) else out)


def _accuracy_kind(loss_fn: Callable, metrics: Sequence[str] | None) -> str | None:
    """How to read predictions as classes: 'logit' (threshold 0), 'prob' (0.5), 'argmax', or None."""
    if metrics is None:
        if loss_fn not in CLASSIFICATION_LOSSES:
            return None
    else:
        unknown = sorted(set(metrics) - {"accuracy"})
        if unknown or isinstance(metrics, str):
            raise ValueError(f"fit: unknown metrics {unknown or metrics!r}; the one metric is ['accuracy']")
        if "accuracy" not in metrics:
            return None
    if loss_fn is cross_entropy:
        return "argmax"
    return "logit" if loss_fn is binary_cross_entropy_with_logits else "prob"


def _correct(kind: str, out: np.ndarray, y: np.ndarray) -> int:
    """Number of examples classified correctly."""
    if kind == "argmax" or (out.ndim == 2 and out.shape[1] > 1):
        labels = y if y.ndim == 1 else y.argmax(axis=-1)
        return int(np.count_nonzero(out.argmax(axis=-1) == labels))
    if y.shape != out.shape and y.size == out.size:
        y = y.reshape(out.shape)  # (N,) against (N, 1) must not broadcast to (N, N)
    threshold = 0.0 if kind == "logit" else 0.5
    return int(np.count_nonzero((out > threshold) == (y > 0.5)))


def _show_progress(progress: bool | None) -> bool:
    """True: always (a pipe too); False: never; None: on a terminal or in a notebook."""
    if progress is not None:
        return bool(progress)
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        return True  # a Jupyter kernel: tqdm.auto draws a notebook bar
    try:
        return sys.stdout.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _split(X: np.ndarray, y: np.ndarray, fraction: float, rng: np.random.Generator):
    n = len(X)
    n_val = int(round(fraction * n))
    if not 0 < fraction < 1 or not 0 < n_val < n:
        raise ValueError(f"fit: validation_split={fraction} leaves {n_val} of {n} examples for validation; "
                         "give a fraction in (0, 1) that keeps at least one example on each side")
    order = rng.permutation(n)
    val, train = order[:n_val], order[n_val:]
    return X[train], y[train], X[val], y[val]


def fit(model: Any, X: Any, y: Any, loss: str | Callable = "mse", optimizer: Any = "gd",
        lr: float | None = None, epochs: int = 100, batch_size: int | None = None, shuffle: bool = True,
        seed: Seed = None,
        validation_data: tuple[Any, Any] | None = None, validation_split: float = 0.0,
        early_stopping: int | EarlyStopping | None = None, schedule: Callable[[int], float] | None = None,
        callbacks: Iterable[Callback] = (), progress: bool | None = None,
        metrics: Sequence[str] | None = None,
        **optimizer_options: Any) -> History:
    """Train `model` on (X, y) by gradient descent and return the History.

    Args:
        model: a steepest.nn.Module (anything with parameters(), train() and a call).
        X: inputs, one example per row; converted to the dtype of the model's parameters.
        y: targets. (N,) targets for a model with one output are taken as (N, 1); with
            loss="cross_entropy", y holds integer class labels (or one-hot rows).
        loss: a name ("mse", "l1", "huber", "bce", "bce_with_logits", "cross_entropy") or a
            function (prediction, target) -> scalar Tensor.
        optimizer: a name ("gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"),
            an optimizer class (st.optim.Adam), or an optimizer object built on model.parameters().
        lr: learning rate for an optimizer given by name or class (0.1 when not given). With an
            optimizer object, lr (and **optimizer_options) is an error: the object has its own.
        epochs: passes over the training data.
        batch_size: None for full-batch gradient descent, or the minibatch size.
        shuffle: reshuffle the minibatches every epoch.
        seed: None, an int or an np.random.Generator for shuffles and validation_split.
        validation_data: (X_val, y_val) evaluated after each epoch.
        validation_split: fraction of (X, y) held out at random for validation instead.
        early_stopping: patience in epochs (an int) or an EarlyStopping.
        schedule: a function epoch -> learning rate (0-based epoch), e.g. from steepest.optim.
        callbacks: functions cb(epoch, logs) called after each epoch (epoch 1-based, logs a dict
            of the epoch's numbers and "model"); one that returns True stops training.
        progress: a progress bar (tqdm.auto): None (default) on a terminal or in a notebook,
            True always (also on a pipe), False never.
        metrics: ["accuracy"] to report accuracy for a loss that is not a classification loss
            (e.g. mse on 0/1 targets); by default accuracy goes with bce, bce_with_logits, cross_entropy.
        **optimizer_options: passed to the optimizer (momentum=0.9, betas=..., weight_decay=...).

    Returns:
        A History; its `stopped_reason` says why training ended.

    Example:
        >>> X, y = st.data.xor()
        >>> model = st.nn.MLP([2, 8, 1], activation="tanh", output_activation="sigmoid", seed=0)
        >>> hist = st.fit(model, X, y, optimizer="momentum", lr=0.5, epochs=2000, progress=False)
        >>> hist.loss[-1] < 0.01
        True
    """

    loss_fn = get_loss(loss)
    dtype = np.dtype(getattr(model, "dtype", None) or np.float64)
    rng = as_generator(seed)
    X, y = _prepare(model, X, y, loss_fn, dtype)
    if validation_data is not None:
        if validation_split:
            raise ValueError("fit: give validation_data or validation_split, not both")
        X_val, y_val = _prepare(model, *validation_data, loss_fn, dtype, "validation_data's X and y",
                                ("validation_data's X", "validation_data's y"))
    elif validation_split:
        X, y, X_val, y_val = _split(X, y, float(validation_split), rng)
    else:
        X_val = y_val = None
    if int(epochs) < 0:
        raise ValueError(f"fit: epochs must be non-negative, got {epochs}")
    if batch_size is not None and int(batch_size) < 1:
        raise ValueError(f"fit: batch_size must be a positive int or None, got {batch_size}")
    params = model.parameters()
    if not params:
        raise ValueError(f"fit: {type(model).__name__} has no parameters to train")
    opt = _optimizer(optimizer, params, lr, optimizer_options)
    stopper = EarlyStopping(int(early_stopping)) if isinstance(early_stopping, (int, np.integer)) \
        else early_stopping
    loop = _Loop(model, loss_fn, opt, X, y, X_val, y_val, batch_size, shuffle, rng,
                 _accuracy_kind(loss_fn, metrics), schedule, stopper, list(callbacks))
    return loop.run(int(epochs), _show_progress(progress))


def _optimizer(optimizer: Any, params: list, lr: float | None, options: dict[str, Any]) -> Any:
    """The optimizer as the user said: a name or a class built with lr (0.1 by default) and the
    options; a ready object as it is (lr or options given with it are an error, not ignored)."""
    from steepest.optim import Optimizer, make_optimizer

    if isinstance(optimizer, str) or isinstance(optimizer, type):
        return make_optimizer(optimizer, params, lr=lr, **options)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit: optimizer must be a name, an optimizer class or an optimizer object, "
                        f"got {type(optimizer).__name__}")
    if lr is not None or options:
        given = ([f"lr={lr!r}"] if lr is not None else []) + sorted(options)
        raise ValueError(f"fit: {', '.join(given)} given with an optimizer object that is already built "
                         f"({optimizer!r}); build it with the settings you want, or pass the class "
                         f"(optimizer=st.optim.{type(optimizer).__name__}, lr=...) or its name")
    mine = {id(p) for p in params}
    if not all(id(p) in mine for p in optimizer.params):
        raise ValueError("fit: the optimizer was built on tensors that are not this model's parameters; "
                         "build it on model.parameters()")
    return optimizer


class _Loop:
    """The state of one fit() call; run() is the epoch loop."""

    def __init__(self, model, loss_fn, opt, X, y, X_val, y_val, batch_size, shuffle, rng, kind,
                 schedule, stopper, callbacks):
        self.model, self.loss_fn, self.opt = model, loss_fn, opt
        self.X, self.y, self.X_val, self.y_val = X, y, X_val, y_val
        self.batch_size = None if batch_size is None or int(batch_size) >= len(X) else int(batch_size)
        self.shuffle, self.rng, self.kind = shuffle, rng, kind
        self.schedule, self.stopper, self.callbacks = schedule, stopper, callbacks
        self.history = History()
        default = "val_loss" if X_val is not None else "loss"
        monitor = None if stopper is None else stopper.monitor or default
        if monitor == "val_loss" and X_val is None:
            raise ValueError("fit: early stopping monitors val_loss but there is no validation data; "
                             "give validation_data or validation_split, or EarlyStopping(monitor='loss')")
        self.monitor = monitor
        self.best, self.best_state, self.wait = math.inf, None, 0

    def batches(self):
        if self.batch_size is None:
            yield self.X, self.y
            return
        n, b = len(self.X), self.batch_size
        order = self.rng.permutation(n) if self.shuffle else None
        for start in range(0, n, b):
            rows = slice(start, start + b) if order is None else order[start:start + b]
            yield self.X[rows], self.y[rows]

    def train_epoch(self) -> tuple[float, float | None]:
        """One pass over the data: (mean loss, accuracy or None)."""
        model, opt, loss_fn, kind = self.model, self.opt, self.loss_fn, self.kind
        model.train()
        total, correct = 0.0, 0
        for xb, yb in self.batches():
            opt.zero_grad()
            out = model(xb)
            value = loss_fn(out, yb)
            if not isinstance(value, Tensor) or value.data.size != 1:
                shape = np.shape(getattr(value, "data", value))
                raise ValueError(f"fit: the loss must be a single-number Tensor, got {type(value).__name__} "
                                 f"of shape {shape}; reduce it (reduction='mean') or return loss.mean()")
            value.backward()
            opt.step()
            total += float(value.data) * len(xb)
            if kind is not None:
                correct += _correct(kind, out.data, yb)
        n = len(self.X)
        return total / n, (correct / n if kind is not None else None)

    def validate(self) -> tuple[float, float | None]:
        self.model.eval()
        with no_grad():
            out = self.model(self.X_val)
            value = float(self.loss_fn(out, self.y_val).data)
        acc = _correct(self.kind, out.data, self.y_val) / len(self.X_val) if self.kind is not None else None
        return value, acc

    def record(self, epoch: int, start: float) -> dict[str, Any]:
        h = self.history
        lr = float(self.opt.lr)
        loss, acc = self.train_epoch()
        val, val_acc = self.validate() if self.X_val is not None else (None, None)
        # an interrupt before times is appended (last) leaves an unfinished epoch, which run() drops
        h.lrs.append(lr)
        h.loss.append(loss)
        if acc is not None:
            h.accuracy.append(acc)
        if val is not None:
            h.val_loss.append(val)
            if val_acc is not None:
                h.val_accuracy.append(val_acc)
        h.times.append(time.perf_counter() - start)
        keys = ("loss", "val_loss", "accuracy", "val_accuracy")
        logs = {k: getattr(h, k)[-1] for k in keys if getattr(h, k)}
        logs.update(epoch=epoch, lr=h.lrs[-1], time=h.times[-1], model=self.model)
        return logs

    def check(self, epoch: int, logs: dict[str, Any]) -> str | None:
        """Why to stop after this epoch, or None to go on."""
        h = self.history
        if not math.isfinite(h.loss[-1]):
            before = f" (it was {h.loss[-2]:.3g} at epoch {epoch - 1})" if len(h.loss) > 1 else ""
            return (f"diverged: the training loss became {h.loss[-1]} at epoch {epoch}{before}; "
                    "try a smaller learning rate")
        if self.stopper is not None:
            reason = self.early_stop(epoch, logs[self.monitor])
            if reason:
                return reason
        for cb in self.callbacks:
            if cb(epoch, logs) is True:
                return f"stopped by callback {getattr(cb, '__name__', repr(cb))} at epoch {epoch}"
        return None

    def early_stop(self, epoch: int, value: float) -> str | None:
        s = self.stopper
        if value < self.best - s.min_delta:
            self.best, self.wait, self.history.best_epoch = value, 0, epoch
            if s.restore_best:
                self.best_state = self.model.state_dict()
            return None
        self.wait += 1
        if self.wait < s.patience:
            return None
        return (f"early stopping: {self.monitor} did not improve by more than {s.min_delta:g} "
                f"for {s.patience} epochs (best {self.best:.4g} at epoch {self.history.best_epoch})")

    def run(self, epochs: int, show: bool) -> History:
        h = self.history
        bar = None
        if show:
            with warnings.catch_warnings():  # without ipywidgets tqdm.auto draws text, and warns on import
                warnings.simplefilter("ignore")
                from tqdm.auto import tqdm  # a widget in a notebook, text elsewhere

            bar = tqdm(total=epochs, desc="fit", unit="epoch", leave=True, dynamic_ncols=True)
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # a divergence is reported in words instead
                reason = self.loop(epochs, bar)
        except KeyboardInterrupt:
            self.keep_finished_epochs()
            h.interrupted = True
            reason = f"interrupted by the user after {h.epochs} epochs"
        finally:
            if bar is not None:
                bar.close()
            self.model.train()
        if self.best_state is not None and h.best_epoch != h.epochs:
            self.model.load_state_dict(self.best_state)
            reason += f"; weights restored to epoch {h.best_epoch}"
        h.stopped_reason = reason
        return h

    def keep_finished_epochs(self) -> None:
        """After an interrupt, every series holds one entry per finished epoch: an epoch's numbers
        are appended times last, so an epoch is finished when its time is in."""
        h = self.history
        done = len(h.times)
        for key in History._SERIES:
            del getattr(h, key)[done:]

    def loop(self, epochs: int, bar: Any) -> str:
        """Run the epochs; return why they ended."""
        start = time.perf_counter()
        for epoch in range(1, epochs + 1):
            if self.schedule is not None:
                self.opt.lr = float(self.schedule(epoch - 1))
            logs = self.record(epoch, start)
            if bar is not None:
                shown = {k: f"{logs[k]:.4g}" for k in ("loss", "val_loss", "accuracy") if k in logs}
                bar.set_postfix(shown, refresh=False)
                bar.update(1)
            stop = self.check(epoch, logs)
            if stop:
                return stop
        return f"completed {epochs} epochs" if epochs else "epochs=0: nothing to do"
