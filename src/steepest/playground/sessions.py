"""One browser tab's network training: st.fit in a thread of its own, paused, stepped and stopped
from the page, its progress handed to the server as frames.

The thread runs one `st.fit` call; fit's callback after every epoch records the losses, hands a
frame over (at most `FPS` a second, and always on a pause, a step and the end), and waits while
the run is paused, so a pause keeps the optimizer's state and fit's early-stopping count. Stopping
(reset, a new configuration, the tab closing) sets a flag that the callback answers with True.
Grad mode is per thread in steepest, so sessions run side by side without touching each other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import steepest as st
from steepest.playground import datasets, network

__all__ = ["TrainingSession", "FPS"]

FPS = 10


class TrainingSession:
    """The state of one tab's network lab; `publish(message)` is called from the training thread."""

    def __init__(self, publish: Callable[[dict], None], uploads: dict[str, datasets.Dataset] | None = None):
        self.publish = publish
        self.uploads = uploads if uploads is not None else {}
        self.problem: network.Problem | None = None
        self.optimizer: Any = None
        self.thread: threading.Thread | None = None
        self.stop = threading.Event()
        self.running = threading.Event()  # set: train; clear: wait in the callback
        self.lock = threading.Lock()
        self.step_once = False
        self.epoch = 0  # epochs done since the configuration (across fit calls)
        self.offset = 0  # epochs done before the current fit call
        self.loss: list[float] = []
        self.test_loss: list[float] = []
        self.sent = 0  # curve points already handed over
        self.last_frame = 0.0
        self.reason: str | None = None

    # --- commands from the page ------------------------------------------------------------------
    def configure(self, body: dict) -> dict:
        """Stop any run, build the problem for this configuration and return the "setup" message."""
        config = network.read_config(body)
        if config.dataset == "csv":
            data = self.uploads.get(config.upload or "")
            if data is None:
                raise ValueError("no uploaded CSV file with that id (the server keeps the last few): upload "
                                 "it again")
        else:
            data = datasets.make(config.dataset, config.noise / 100, config.seed, config.classes)
        self.halt()
        self.problem = network.build(config, data)
        params = self.problem.model.parameters()
        self.optimizer = st.optim.make_optimizer(config.optimizer, params, lr=config.lr)
        self.epoch = self.offset = self.sent = 0
        self.loss, self.test_loss, self.reason = [], [], None
        return self.setup_message()

    def play(self) -> None:
        self._start(step=False)

    def step(self) -> None:
        self._start(step=True)

    def pause(self) -> None:
        self.running.clear()

    def set_lr(self, lr: float) -> None:
        """A new learning rate, used from the next minibatch on (as TF Playground does)."""
        if self.optimizer is not None:
            self.optimizer.lr = lr
            self.problem.config.lr = lr

    def halt(self, timeout: float = 10.0) -> None:
        """Stop the training thread and wait for it."""
        thread = self.thread
        if thread is not None and thread.is_alive():
            self.stop.set()
            self.running.set()
            thread.join(timeout)
        self.thread = None
        self.stop.clear()
        self.running.clear()

    close = halt

    # --- the training thread ---------------------------------------------------------------------
    def _start(self, step: bool) -> None:
        if self.problem is None:
            raise ValueError("send a configuration first")
        with self.lock:
            self.step_once = step
            self.running.set()
            if self.thread is not None and self.thread.is_alive():
                return
            left = self.problem.config.max_epochs - self.epoch
            if left <= 0:
                self.running.clear()
                self.publish(self.frame("done", reason=f"the run has its {self.epoch} epochs (max epochs); "
                                                      "raise max epochs or reset"))
                return
            self.offset = self.epoch
            self.thread = threading.Thread(target=self._train, args=(left,), daemon=True,
                                           name="steepest-playground-training")
            self.thread.start()

    def _train(self, epochs: int) -> None:
        p, cfg = self.problem, self.problem.config
        stopper = st.EarlyStopping(cfg.patience, monitor="val_loss") if cfg.patience else None
        try:
            with np.errstate(all="ignore"):
                hist = st.fit(p.model, network.features(p.X_train, cfg.features), p.y_train, loss=p.objective,
                              optimizer=self.optimizer, epochs=epochs, batch_size=cfg.batch_size,
                              seed=cfg.seed + self.offset,
                              validation_data=(network.features(p.X_test, cfg.features), p.y_test),
                              early_stopping=stopper, callbacks=[self._after_epoch], progress=False)
        except Exception as err:  # noqa: BLE001 - the page must hear of it, the thread must end
            self.running.clear()
            self.publish({"type": "error", "error": f"{type(err).__name__}: {err}"})
            return
        if self.stop.is_set():
            return
        self.running.clear()
        # fit asks early stopping before the callbacks: the epoch that stopped it was not seen there
        seen = len(self.loss) - self.offset
        self.loss.extend(hist.loss[seen:])
        self.test_loss.extend(hist.val_loss[seen:])
        self.epoch = self.offset + hist.epochs
        self.reason = hist.stopped_reason
        self.publish(self.frame("done", reason=self.reason))

    def _after_epoch(self, epoch: int, logs: dict[str, Any]) -> bool:
        """fit's callback: record, hand a frame over, wait while paused; True stops fit."""
        self.epoch = self.offset + epoch
        self.loss.append(float(logs["loss"]))
        self.test_loss.append(float(logs.get("val_loss", float("nan"))))
        if self.stop.is_set():
            return True
        if self.step_once:
            self.step_once = False
            self.running.clear()
        now = time.monotonic()
        if not self.running.is_set() or now - self.last_frame >= 1 / FPS:
            self.last_frame = now
            self.publish(self.frame("frame" if self.running.is_set() else "paused"))
        while not self.running.is_set():
            self.running.wait(0.25)
        return self.stop.is_set()

    # --- messages --------------------------------------------------------------------------------
    def frame(self, kind: str = "frame", reason: str | None = None) -> dict:
        """The network now: snapshot, metrics, the curve points not yet sent."""
        p = self.problem
        n = len(self.loss)
        curve = {"start": self.sent, "loss": self.loss[self.sent:n], "test": self.test_loss[self.sent:n]}
        self.sent = n
        message = {"type": kind, "epoch": self.epoch, "curve": curve, "metrics": network.metrics(p),
                   **network.snapshot(p)}
        if reason is not None:
            message["reason"] = reason
        return message

    def setup_message(self) -> dict:
        p = self.problem
        cfg, data = p.config, p.data

        def points(X: np.ndarray, y: np.ndarray) -> dict:
            return {"x": X[:, 0], "y": X[:, 1], "label": y}

        return {**self.frame(), "type": "setup", "task": data.task, "classes": data.classes,
                "domain": data.domain,
                "train": points(p.X_train, p.y_train), "test": points(p.X_test, p.y_test),
                "features": [{"name": f, "label": network.FEATURES[f][0]} for f in cfg.features],
                "inputs": network.input_maps(cfg, data.domain), "hidden": list(cfg.hidden),
                "outputs": p.outputs,
                "grids": {"neuron": network.NEURON_GRID, "output": network.OUTPUT_GRID}}
