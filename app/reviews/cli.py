"""`flask reviews lint`: check Markdown for blameless language from the shell."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from app.db import session
from app.timeline.import_options import ImportRequestError, zone_or_error

from . import blameless
from .backcatalogue import FileReport, import_file
from .postmortem_parser import SkippedFile, iter_postmortem_files

reviews_cli = AppGroup("reviews", help="Review tools.")


@reviews_cli.command("lint")
@click.argument("path")
@click.option("--json", "as_json", is_flag=True, help="Print findings as a JSON list.")
@click.option("--action", is_flag=True, help="Check action titles (adds the vigilance rule).")
@click.option("--name", "names", multiple=True, help="A person's name to watch (repeat).")
def lint(path: str, as_json: bool, action: bool, names: tuple[str, ...]) -> None:
    """Check PATH (a Markdown file, or - for standard input); exit 1 when a warning is found."""
    if path == "-":
        text = sys.stdin.read()
    else:
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise click.ClickException(f"{path}: {exc}") from None
    findings = blameless.check(text, names=names, context="action" if action else "narrative")
    if as_json:
        click.echo(json.dumps(blameless.findings_to_json(findings), indent=2,
                              ensure_ascii=False))
    else:
        for f in findings:
            line = text.count("\n", 0, f.start) + 1
            click.echo(f"{path}:{line}: {f.severity} [{f.rule}] “{f.text}” — {f.why} "
                       f"Try: {f.suggestion}")
        click.echo(f"{len(findings)} finding(s)")
    if any(f.severity == "warn" for f in findings):
        sys.exit(1)


@click.command("import-postmortems")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--tz", default=None, help="IANA zone for documents that state none.")
@click.option("--json", "as_json", is_flag=True, help="Print the per-file report as JSON.")
@with_appcontext
def import_postmortems(paths: tuple[str, ...], tz: str | None, as_json: bool) -> None:
    """Import folders/files of Markdown postmortems as incidents with published reviews."""
    try:
        zone = zone_or_error(tz)
    except ImportRequestError as exc:
        raise click.BadParameter(str(exc), param_hint="--tz") from None
    db = session()
    skipped: list[SkippedFile] = []
    reports = []
    for path, label in _files_with_labels([Path(p) for p in paths], skipped):
        try:
            with db.begin_nested():  # one bad file never takes the others with it
                reports.append(import_file(db, None, path, label, zone))
        except (ValueError, OSError) as exc:  # parse errors, unreadable files, bad values
            reports.append(FileReport(label, "error", str(exc)))
    db.commit()
    reports += [FileReport(str(s.path), "skipped", s.reason) for s in skipped]
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in reports], indent=2))
        return
    for r in reports:
        if r.status == "imported":
            click.echo(f"imported {r.path} -> INC-{r.incident_id}: {r.events} timeline events; "
                       f"zone: {r.zone or '-'}; sections: {', '.join(r.sections) or '-'}")
        else:
            click.echo(f"{r.status} {r.path}: {r.detail}")
    counts = {s: sum(r.status == s for r in reports) for s in ("imported", "skipped", "error")}
    click.echo(", ".join(f"{v} {k}" for k, v in counts.items()))


def _files_with_labels(roots: list[Path],
                       skipped: list[SkippedFile]) -> Iterator[tuple[Path, str]]:
    """(file, label) pairs; the label names the file from its folder's name, not from the
    working directory, so a re-run from elsewhere still recognises what was imported."""
    for root in roots:
        for path in iter_postmortem_files([root], skipped=skipped):
            base = root if root.is_dir() else path.parent
            yield path, f"{base.resolve().name}/{path.relative_to(base).as_posix()}"

