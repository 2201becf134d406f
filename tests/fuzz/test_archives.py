"""Hostile and damaged ZIP uploads through the importers that read ZIPs (Slack, Mattermost).

Every one is refused with ImportFormatError naming the offending entry
(app/timeline/importers/archive.py), before anything is inflated or written.
"""

from __future__ import annotations

import io
import stat
import struct
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.timeline.importers import ImportFormatError, Source, detect
from app.timeline.importers.archive import SafeZip, ZipLimits
from tests.fuzz.mutations import (
    DATA,
    folder_members,
    fuzz_settings,
    make_zip,
    mutated_bytes,
    time_limit,
)
from tests.fuzz.targets import SLACK_EXPORT, parse

MATTERMOST = (DATA / "mattermost" / "incident.jsonl").read_bytes()
# A real export per ZIP-reading importer, with room for one hostile extra entry.
EXPORTS = {
    "slack": folder_members(SLACK_EXPORT),
    "mattermost": {"export/incident.jsonl": MATTERMOST},
}


def refusal(name: str, data: bytes) -> ImportFormatError:
    """The error the importer (and format detection) gives for ZIP `data`."""
    source = Source.from_bytes("upload.zip", data)
    with time_limit(f"the {name} importer"):
        result = parse(name, source)
    assert isinstance(result, ImportFormatError), f"{name} accepted a hostile archive"
    return result


def with_entry(name: str, info: zipfile.ZipInfo, payload: bytes,
               compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for member, blob in EXPORTS[name].items():
            zf.writestr(member, blob)
        zf.writestr(info, payload, compress_type=compress)
    return buf.getvalue()


@pytest.mark.parametrize("importer", sorted(EXPORTS))
@pytest.mark.parametrize(("entry", "why"), [
    ("../../etc/cron.d/evil.json", "'..'"),
    ("general/../../escape.json", "'..'"),
    ("/etc/passwd.json", "absolute"),
    ("C:/Windows/evil.json", "drive letter"),
    ("..\\..\\evil.json", "backslash"),
])
def test_path_traversal_names_are_refused(importer: str, entry: str, why: str) -> None:
    err = refusal(importer, with_entry(importer, zipfile.ZipInfo(entry), b"[]"))
    assert err.file == entry and why in err.message


@pytest.mark.parametrize("importer", sorted(EXPORTS))
def test_symlink_entries_are_refused(importer: str) -> None:
    link = zipfile.ZipInfo("general/2024-03-09.json")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    err = refusal(importer, with_entry(importer, link, b"/etc/passwd"))
    assert "symbolic link" in err.message


@pytest.mark.parametrize("importer", sorted(EXPORTS))
def test_zip_bomb_is_refused_before_inflating(importer: str) -> None:
    # 16 MiB of zeros deflate to ~16 KiB: far past the 200:1 ratio guard.
    bomb = with_entry(importer, zipfile.ZipInfo("general/2024-03-09.json"), b"\0" * (16 << 20))
    assert len(bomb) < 64 << 10
    err = refusal(importer, bomb)
    assert "ratio" in err.message and err.file == "general/2024-03-09.json"


def patch_central_entry(data: bytes, member: str, offset: int, fmt: str, value: int) -> bytes:
    """Overwrite one field of `member`'s central directory record (what readers trust)."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at != -1:
        (name_len,) = struct.unpack_from("<H", out, at + 28)
        if out[at + 46:at + 46 + name_len] == member.encode():
            struct.pack_into(fmt, out, at + offset, value)
            return bytes(out)
        at = out.find(b"PK\x01\x02", at + 1)
    raise AssertionError(f"{member} not in the archive")


# The member each importer certainly reads.
READ_MEMBER = {"slack": "general/2024-03-01.json", "mattermost": "export/incident.jsonl"}


@pytest.mark.parametrize("importer", sorted(EXPORTS))
def test_entry_inflating_past_its_declared_size_is_refused(importer: str) -> None:
    """A header that under-declares the size (a bomb hiding below the ratio guard)."""
    member = READ_MEMBER[importer]
    data = patch_central_entry(make_zip(EXPORTS[importer]), member, 24, "<L", 10)
    err = refusal(importer, data)
    assert err.file == member


@pytest.mark.parametrize("importer", sorted(EXPORTS))
def test_encrypted_entries_are_refused(importer: str) -> None:
    member = READ_MEMBER[importer]
    data = patch_central_entry(make_zip(EXPORTS[importer]), member, 8, "<H", 0x1)
    err = refusal(importer, data)
    assert "encrypted" in err.message and err.file == member


def test_too_many_members_are_refused_by_count() -> None:
    """Counted on the central directory; the importers' limit is 250,000 entries, so this
    checks the same guard with a small limit (a 250k-entry ZIP takes CI ~20 s to read)."""
    members = {f"general/2024-01-{i:03d}.json": b"[]" for i in range(60)}
    with pytest.raises(ImportFormatError) as info:
        SafeZip(Source.from_bytes("upload.zip", make_zip(members)), ZipLimits(max_entries=50))
    assert "60 entries" in info.value.message
    assert ZipLimits().max_entries == 250_000


@fuzz_settings(examples=80)
@given(data=st.data())
def test_damaged_zip_structure_gives_a_format_error_or_events(data: st.DataObject) -> None:
    """Bytes flipped in headers and the central directory: detection and parsing hold."""
    importer = data.draw(st.sampled_from(sorted(EXPORTS)), label="importer")
    damaged = data.draw(mutated_bytes(make_zip(EXPORTS[importer])), label="zip")
    source = Source.from_bytes("upload.zip", damaged)
    parse(importer, source)
    with time_limit("format detection"):
        try:
            found = detect(source)
        except ImportFormatError:
            return
    parse(found.name, source)
