"""The journal of a sweep: one JSON object per line, appended, never rewritten.

A user keeps this file: it is the record of what ran, and what lets an interrupted sweep resume
exactly where it stopped, with no database. Every batch of finished trials is appended as whole
lines and then flushed and fsync'ed, so a crash or a kill loses at most the batch being written.
Reading is defensive: a last line cut short by such a kill is ignored with a warning (its trial
runs again), and so is any other line that is not a trial record; nothing is ever deleted.

    {"journal": "steepest.sweep", "version": 1, "train_fn": "mymodule.train"}          (the first line)
    {"id": "3f2a...-0", "index": 0, "config": {"lr": 0.1}, "result": {"loss": 0.02, ...}, "seconds": 0.31}
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

__all__ = ["Journal", "JournalWarning"]


class JournalWarning(UserWarning):
    """A line of a sweep journal could not be read and was ignored."""


class Journal:
    """An append-only JSON-lines file (see the module docstring).

    Args:
        path: the file; it is created on the first append (with a header naming train_fn).
    """

    def __init__(self, path: str | os.PathLike, train_fn: str = ""):
        self.path = os.fspath(path)
        self.train_fn = train_fn

    def read(self) -> dict[str, dict[str, Any]]:
        """The trial records by id (the last one wins if an id appears twice). A missing file is empty."""
        try:
            with open(self.path, "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            return {}
        lines = data.split(b"\n")
        records: dict[str, dict[str, Any]] = {}
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            record = self._parse(raw, number, last=number == len(lines))
            if record is None:
                continue
            if isinstance(record, dict) and "journal" in record:
                self._check_header(record)
            elif (
                isinstance(record, dict)
                and isinstance(record.get("id"), str)
                and isinstance(record.get("result"), dict)
            ):
                records[record["id"]] = record
            else:
                warnings.warn(
                    f"{self.path}, line {number}: not a trial record; ignored", JournalWarning, stacklevel=3
                )
        return records

    def _parse(self, raw: bytes, number: int, last: bool) -> Any:
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            pass
        what = (
            (
                "the last line is cut short (a write interrupted by a crash or a kill?); its trial will run "
                "again"
            )
            if last
            else "not valid JSON; its trial, if any, will run again"
        )
        warnings.warn(f"{self.path}, line {number}: {what}; ignored", JournalWarning, stacklevel=4)
        return None

    def _check_header(self, record: dict[str, Any]) -> None:
        theirs = record.get("train_fn", "")
        if self.train_fn and theirs and theirs != self.train_fn:
            warnings.warn(
                f"{self.path} was written by a sweep of {theirs}, this one runs {self.train_fn}; its "
                "records are taken as results of this sweep's trials where the configs match",
                JournalWarning,
                stacklevel=4,
            )

    def append(self, records: list[dict[str, Any]]) -> None:
        """Append whole lines, flush and fsync (a torn last line, if any, is first ended with a newline)."""
        lines = [json.dumps(r, allow_nan=False, separators=(",", ":")) + "\n" for r in records]
        with open(self.path, "ab") as fh:
            if fh.tell() == 0:
                header = {"journal": "steepest.sweep", "version": 1, "train_fn": self.train_fn}
                fh.write((json.dumps(header) + "\n").encode())
            elif not _ends_with_newline(self.path):
                fh.write(b"\n")
            fh.write("".join(lines).encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())


def _ends_with_newline(path: str) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"
