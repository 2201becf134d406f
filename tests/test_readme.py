"""The README documents what the code offers: every setting and every CLI command group."""

from __future__ import annotations

from app import create_app
from app.config import SETTINGS
from tests.conftest import REPO


def test_every_setting_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text()
    missing = [f"DEBRIEF_{name}" for name in SETTINGS if f"`DEBRIEF_{name}`" not in readme]
    assert not missing, f"README configuration table lacks {missing}"


def test_every_command_group_is_in_the_readme(tmp_path) -> None:
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path),
                      "DEBRIEF_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                      "SECRET_KEY": "x"})
    readme = (REPO / "README.md").read_text()
    missing = [name for name in app.cli.list_commands(None) if f"flask {name}" not in readme]
    assert not missing, f"README does not mention the commands {missing}"
