"""The review templates an installation offers: built-ins plus admin uploads."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from . import templates as loader


def directories(repo_root: Path, instance_path: str) -> list[Path]:
    """Built-in templates first, then the ones admins added (same key: the upload wins)."""
    return [repo_root / "review_templates", Path(instance_path) / "review_templates"]


def available(repo_root: Path, instance_path: str) -> dict[str, Any]:
    """Every valid template by key."""
    found: dict[str, Any] = {}
    for folder in directories(repo_root, instance_path):
        if folder.is_dir():
            found.update(loader.load_directory(folder))
    return found


def as_snapshot(template: Any) -> dict[str, Any]:
    """A template as plain data, frozen into the review that starts from it."""
    data = dataclasses.asdict(template) if dataclasses.is_dataclass(template) else dict(
        template)
    data["content_hash"] = getattr(template, "content_hash", data.get("content_hash", ""))
    return data


def save_upload(instance_path: str, filename: str, text: str) -> Any:
    """Validate an uploaded template and keep it (TemplateError names file and field)."""
    template = loader.parse_template(text, filename)
    folder = Path(instance_path) / "review_templates"
    folder.mkdir(parents=True, exist_ok=True)
    # The file is named after its validated key, never after the uploaded name.
    (folder / f"{template.key}.toml").write_text(text, encoding="utf-8")
    return template
