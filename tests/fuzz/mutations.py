"""Fuzzing helpers: bounded hypothesis settings, a per-input watchdog, input mutators.

Inputs start from the real fixtures in tests/data and are damaged the ways real uploads
are: flipped bytes, truncation, odd unicode, huge numbers, values of the wrong type.
"""

from __future__ import annotations

import faulthandler
import io
import json
import math
import os
import signal
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

DATA = Path(__file__).resolve().parent.parent / "data"

# Per input: the watchdog interrupts Python code after this long; hypothesis' deadline is
# below it so a merely slow input is reported (and shrunk) before the watchdog fires.
TIME_LIMIT = 5.0
DEADLINE = timedelta(seconds=3)


def fuzz_settings(examples: int) -> settings:
    """Bounded for CI (about a minute for the suite); DEBRIEF_FUZZ_EXAMPLES raises the count."""
    wanted = os.environ.get("DEBRIEF_FUZZ_EXAMPLES", "").strip()
    return settings(
        max_examples=int(wanted) if wanted else examples,
        deadline=DEADLINE,
        # Inputs are fixtures plus mutations, so generation is cheap but inputs are big.
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.function_scoped_fixture],
        print_blob=True,
    )


class Hang(Exception):
    """An input took longer than the per-input time limit."""


@contextmanager
def time_limit(what: str, seconds: float = TIME_LIMIT) -> Iterator[None]:
    """Fail with Hang when the block runs longer than `seconds` (SIGALRM, main thread).

    A hang inside C code (a regex, a decompressor) cannot be interrupted by a signal
    handler, so faulthandler ends the whole run with every thread's traceback instead
    of letting CI wait forever.
    """

    def on_alarm(_signum: int, _frame: Any) -> None:
        raise Hang(f"{what} took longer than {seconds:g} s on one input")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(seconds * 12, exit=True)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        faulthandler.cancel_dump_traceback_later()
    # The alarm can be swallowed by a broad `except Exception` in the code under test.
    elapsed = time.monotonic() - started
    if elapsed > seconds:
        raise Hang(f"{what} took {elapsed:.1f} s on one input (limit {seconds:g} s)")


# --------------------------------------------------------------------------- fixtures
def fixture_files(folder: str, *suffixes: str) -> list[Path]:
    """The files under tests/data/`folder` with one of `suffixes`, sorted."""
    root = DATA / folder
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in suffixes)


def folder_members(folder: Path) -> dict[str, bytes]:
    """Every file of an unpacked export, by relative POSIX name."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def make_zip(members: dict[str, bytes]) -> bytes:
    """A deflated ZIP of `members`."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


# --------------------------------------------------------------------------- byte mutations
ODD_BYTES = [
    b"\x00", b"\xff", b"\xfe\xff", b"\xef\xbb\xbf", b"\xed\xa0\x80", b"\xc3", b"\x80",
    "\u202e".encode(), "\u200b".encode(), "\U0001f525".encode(), "\u0130".encode(),
    "\ufeff".encode(), b"\r", b"\r\n", b"\n\n\n", b'"', b"\\", b"{", b"}", b"[", b"]",
    b",", b":", b"|", b";", b"\t", b"9" * 400, b"-1e999", b"1e400", b"NaN", b"-Infinity",
    b"null", b"true", b"\\u0000", b"\\ud800", b"---\n", b"# ", b"## Timeline\n",
    b"2024-02-30T25:61:61Z", b"99999-01-01T00:00:00Z", b"0001-01-01T00:00:00-23:59",
    b"1970-01-01T00:00:00+99:99", b"[12:00] ", b"--- Day changed", b"<script>",
    b"PK\x03\x04", b"\x1b[31m", b"\x03" + b"4,5",
]

_OPS = ("flip", "truncate", "insert", "delete", "repeat")


@st.composite
def mutated_bytes(draw: st.DrawFn, seed: bytes, max_ops: int = 4) -> bytes:
    """`seed` with one to `max_ops` byte-level mutations."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(_OPS))
        at = draw(st.integers(0, max(0, len(data))))
        if op == "flip" and data:
            at = min(at, len(data) - 1)
            data[at] ^= draw(st.integers(1, 255))
        elif op == "truncate":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(ODD_BYTES) | st.binary(min_size=1, max_size=24))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        elif op == "repeat" and data:
            piece = bytes(data[at:at + draw(st.integers(1, 200))])
            data[at:at] = piece * draw(st.integers(2, 50))
    return bytes(data)


# --------------------------------------------------------------------------- JSON mutations
HUGE_NUMBERS = [
    10**100, -(10**100), 2**63, 2**64, -(2**63) - 1, 253402300800, -62135596801,
    10**18, 1e308, -1e308, 1e-320, math.inf, -math.inf, math.nan, 0, -1, 0.5,
]
ODD_TEXT = [
    "", " ", "\x00", "\ud800", "\udfff", "\u202e\u2066evil", "\u200b", "\ufeff", "🔥" * 50,
    "ǅ\u0301\u0301\u0301", "x" * 70_000, "\n" * 1000, "2024-02-30T25:61:61Z",
    "99999-01-01T00:00:00Z", "0001-01-01T00:00:00-23:59", "1e999", "NaN", "-0",
    "1712345678.999999999999", "<script>alert(1)</script>", "../../etc/passwd",
    "C:\\evil", "%s%n%x", "{{7*7}}", "null", "[]", "{}",
]


def json_values() -> st.SearchStrategy[Any]:
    """Any JSON-able value, small, biased toward the values that break parsers."""
    scalars = (st.none() | st.booleans() | st.integers() | st.floats()
               | st.sampled_from(HUGE_NUMBERS) | st.sampled_from(ODD_TEXT)
               | st.text(max_size=40))
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.text(max_size=10), inner, max_size=4), max_leaves=8)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


def _replace(doc: Any, path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


@st.composite
def mutated_json(draw: st.DrawFn, doc: Any, max_ops: int = 3) -> Any:
    """A deep copy of `doc` with values replaced by wrong types, huge numbers, odd text."""
    doc = json.loads(json.dumps(doc))
    for _ in range(draw(st.integers(1, max_ops))):
        paths = list(_paths(doc))
        path = paths[draw(st.integers(0, len(paths) - 1))]
        how = draw(st.sampled_from(("value", "value", "delete", "wrap", "empty")))
        if how == "delete" and path:
            doc = _replace(doc, path, None, delete=True)
            continue
        current = doc
        for key in path:
            current = current[key]
        if how == "wrap":
            new: Any = [current]
        elif how == "empty":
            new = {} if isinstance(current, list) else []
        else:
            new = draw(json_values())
        doc = _replace(doc, path, new, delete=False)
    return doc


def dump_json(doc: Any, ascii_only: bool) -> bytes:
    """Serialise as a producer might: NaN allowed, lone surrogates passed through."""
    return json.dumps(doc, ensure_ascii=ascii_only, allow_nan=True).encode(
        "utf-8", "surrogatepass")


@st.composite
def mutated_json_bytes(draw: st.DrawFn, seed: bytes, lines: bool = False) -> bytes:
    """A JSON (or JSON Lines) fixture with its values mutated, serialised again."""
    ascii_only = draw(st.booleans())
    if not lines:
        return dump_json(draw(mutated_json(json.loads(seed))), ascii_only)
    rows = [json.loads(line) for line in seed.splitlines() if line.strip()]
    at = draw(st.integers(0, len(rows) - 1))
    rows[at] = draw(mutated_json(rows[at]))
    return b"\n".join(dump_json(row, ascii_only) for row in rows) + b"\n"
