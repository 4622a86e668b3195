"""SweepResult: every trial of a sweep, the best one, a table and a heatmap."""

from __future__ import annotations

import html
import math
from typing import Any

__all__ = ["SweepResult"]


def _cell(v: Any) -> str:
    if v is None:
        return "nan"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


class SweepResult:
    """The trials of a sweep, in the order of the grid (or of the draws), whatever order they ran in.

    Attributes:
        trials: one dict per trial: index, id, config (its settings), result (loss, accuracy,
            iterations, reason, and whatever else train_fn returned), seconds.
        metric: "loss" (lowest is best) or "accuracy" (highest is best).
        n_run: trials run by this call.   n_resumed: trials read back from the journal.
        batch_size: the most trials handed out in one task.   journal: the journal's path, or None.
    """

    def __init__(
        self,
        trials: list[dict[str, Any]],
        metric: str,
        n_run: int,
        n_resumed: int,
        batch_size: int,
        journal: str | None,
    ):
        self.trials, self.metric = trials, metric
        self.n_run, self.n_resumed, self.batch_size, self.journal = n_run, n_resumed, batch_size, journal

    @property
    def names(self) -> list[str]:
        """The settings' names, in the order they first appear."""
        seen: dict[str, None] = {}
        for t in self.trials:
            seen.update(dict.fromkeys(t["config"]))
        return list(seen)

    def rows(self) -> list[dict[str, Any]]:
        """One flat dict per trial: its settings, then loss, accuracy, iterations, reason, seconds."""
        keys = ("loss", "accuracy", "iterations", "reason")
        return [
            {
                "trial": t["index"],
                **t["config"],
                **{k: t["result"].get(k) for k in keys},
                "seconds": t.get("seconds"),
            }
            for t in self.trials
        ]

    @property
    def best(self) -> dict[str, Any] | None:
        """The trial with the lowest loss (metric="loss") or highest accuracy; None when none has one."""
        scored = [t for t in self.trials if isinstance(t["result"].get(self.metric), (int, float))]
        if not scored:
            return None
        sign = 1 if self.metric == "loss" else -1
        return min(scored, key=lambda t: (sign * t["result"][self.metric], t["index"]))

    @property
    def best_config(self) -> dict[str, Any] | None:
        """The settings of the best trial."""
        best = self.best
        return None if best is None else dict(best["config"])

    def table(self, max_rows: int | None = None, width: int = 60) -> str:
        """Every trial as a text table (the reasons cut to `width` characters)."""
        rows = self.rows()
        head = list(rows[0]) if rows else []
        shown = rows if max_rows is None or len(rows) <= max_rows else rows[:max_rows]
        cells = [head] + [[_cell(r[k])[:width] for k in head] for r in shown]
        widths = [max(len(row[i]) for row in cells) for i in range(len(head))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
        if len(shown) < len(rows):
            lines.append(f"... ({len(rows) - len(shown)} more trials)")
        return "\n".join(lines)

    def summary(self) -> str:
        best = self.best
        text = (
            f"{len(self.trials)} trials ({self.n_run} run now, {self.n_resumed} from the journal"
            f"{'' if self.journal is None else ' ' + self.journal})"
        )
        if best is None:
            return text + "; no trial gave a " + self.metric
        value = best["result"][self.metric]
        return text + f"; best {self.metric} {value:.4g} with {best['config']}"

    def plot(self, x: str = "lr", y: str = "momentum", **kwargs: Any) -> Any:
        """A heatmap of the metric over two settings (steepest.viz.plot_sweep)."""
        from steepest.viz.sweep import plot_sweep

        return plot_sweep(self, x=x, y=y, **kwargs)

    def __len__(self) -> int:
        return len(self.trials)

    def __repr__(self) -> str:
        return f"SweepResult({self.summary()})\n{self.table(max_rows=20)}"

    def _repr_html_(self) -> str:
        rows = self.rows()
        head = "".join(f"<th>{html.escape(k)}</th>" for k in (rows[0] if rows else {}))
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in r.values()) + "</tr>" for r in rows
        )
        return f"<table><caption>{html.escape(self.summary())}</caption><tr>{head}</tr>{body}</table>"


def finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
