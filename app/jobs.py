"""Background jobs for work longer than a request (large imports): one thread per job, its
progress in a small JSON file under instance/jobs, so any worker process can show it.

A job's work runs in its own session and transaction: if the process dies mid-way the
transaction is rolled back, nothing is half-written, and the job shows as interrupted once
its heartbeat is stale.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)

# A running job rewrites its file at least this often; older means the process died.
STALE_SECONDS = 60
_WRITE_EVERY = 0.5
_KEEP_SECONDS = 24 * 3600

Progress = Callable[[int, int | None, str], None]


class JobError(Exception):
    """A failure the user should read (bad input found mid-way); other errors are logged."""


def _dir(instance_path: str) -> Path:
    path = Path(instance_path) / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write(folder: Path, state: dict[str, Any]) -> None:
    state["heartbeat"] = time.time()
    tmp = folder / f".{state['id']}.tmp"
    tmp.write_text(json.dumps(state))
    os.replace(tmp, folder / f"{state['id']}.json")  # readers never see half a file


def start(app: Flask, kind: str, user_id: int, title: str,
          work: Callable[[Progress], dict[str, Any]]) -> str:
    """Run work(progress) in a thread inside an app context; return the job id.

    work returns the job's result (e.g. {"url": ...}); it may raise JobError with a message
    for the user. progress(done, total or None, message) may be called as often as wanted;
    progress.job_id is the job's id.
    """
    folder = _dir(app.instance_path)
    _purge(folder)
    state: dict[str, Any] = {
        "id": secrets.token_urlsafe(12), "kind": kind, "user_id": user_id, "title": title,
        "state": "running", "done": 0, "total": None, "message": "starting",
        "result": None, "error": None, "started": time.time()}
    _write(folder, state)
    last = [0.0]
    lock = threading.Lock()
    finished = threading.Event()

    def save() -> None:
        with lock:
            _write(folder, state)

    def progress(done: int, total: int | None, message: str) -> None:
        state.update(done=done, total=total, message=message)
        if time.monotonic() - last[0] >= _WRITE_EVERY:
            last[0] = time.monotonic()
            save()

    progress.job_id = state["id"]  # type: ignore[attr-defined]  # for result URLs

    def heartbeat() -> None:
        # Long steps without progress calls (a big commit) must not look like a dead job.
        while not finished.wait(STALE_SECONDS / 6):
            save()

    def run() -> None:
        threading.Thread(target=heartbeat, name=f"job-{kind}-heartbeat", daemon=True).start()
        with app.app_context():
            try:
                state["result"] = work(progress)
                state["state"] = "done"
                state["message"] = "finished"
            except JobError as exc:
                state.update(state="failed", error=str(exc))
            except Exception:  # logged with its traceback; the user sees a plain sentence
                log.exception("background job %s (%s) failed", state["id"], kind)
                state.update(state="failed",
                             error="The job failed unexpectedly; nothing was written.")
            finished.set()
            save()

    threading.Thread(target=run, name=f"job-{kind}", daemon=True).start()
    return state["id"]


def load(instance_path: str, job_id: str, user_id: int) -> dict[str, Any] | None:
    """The job's state if it exists and belongs to user_id (else None, shown as 404)."""
    if not job_id or not job_id.replace("-", "").replace("_", "").isalnum():
        return None
    path = _dir(instance_path) / f"{job_id}.json"
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if state.get("user_id") != user_id:
        return None
    if state["state"] == "running" and time.time() - state["heartbeat"] > STALE_SECONDS:
        state.update(state="failed", error="The job was interrupted (the server restarted?); "
                                           "nothing was written. Please start it again.")
    return state


def _purge(folder: Path) -> None:
    cutoff = time.time() - _KEEP_SECONDS
    for path in folder.glob("*.json"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
