"""Uploaded import files kept between preview and confirm (instance/uploads, owner-bound)."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

STALE_SECONDS = 24 * 3600


@dataclass
class PendingUpload:
    """A file waiting for confirmation, with the options chosen when it was sent."""

    token: str
    incident_id: int
    user_id: int
    filename: str
    options: dict[str, Any]


def _dir(instance_path: str) -> Path:
    path = Path(instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(instance_path: str, incident_id: int, user_id: int, filename: str, stream: Any,
         options: dict[str, Any]) -> PendingUpload:
    """Store the upload's bytes and options under a random token."""
    folder = _dir(instance_path)
    _purge_stale(folder)
    token = secrets.token_urlsafe(18)
    with (folder / f"{token}.bin").open("wb") as fh:
        while chunk := stream.read(1 << 20):
            fh.write(chunk)
    pending = PendingUpload(token, incident_id, user_id, filename[:255], options)
    (folder / f"{token}.json").write_text(json.dumps(asdict(pending)))
    return pending


def load(instance_path: str, token: str, incident_id: int, user_id: int
         ) -> tuple[PendingUpload, Path] | None:
    """The pending upload if it exists and belongs to this user and incident."""
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    folder = _dir(instance_path)
    meta, data = folder / f"{token}.json", folder / f"{token}.bin"
    if not meta.exists() or not data.exists():
        return None
    pending = PendingUpload(**json.loads(meta.read_text()))
    if pending.incident_id != incident_id or pending.user_id != user_id:
        return None
    return pending, data


def discard(instance_path: str, token: str) -> None:
    """Delete a pending upload."""
    folder = _dir(instance_path)
    for suffix in (".json", ".bin"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)


def _purge_stale(folder: Path) -> None:
    cutoff = time.time() - STALE_SECONDS
    for path in folder.iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
