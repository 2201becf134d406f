"""Safe ZIP reading: hostile archives are refused with the offending entry named."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from app.timeline.importers.archive import ExportTree, SafeZip, ZipLimits, check_entry_name
from app.timeline.importers.base import ImportFormatError, Source


def _zip(entries: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buf.getvalue()


def _refusal(data: bytes, limits: ZipLimits | None = None, path: Path | None = None
             ) -> ImportFormatError:
    source = Source.from_path(path) if path else Source.from_bytes("upload.zip", data)
    with pytest.raises(ImportFormatError) as info:
        with SafeZip(source, limits) as archive:
            for name in archive.names():
                archive.read(name)
    return info.value


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../../etc/cron.d/evil", "'..'"),
        ("logs/../../escape.json", "'..'"),
        ("/etc/passwd", "absolute"),
        ("C:/Windows/evil.dll", "drive letter"),
        ("..\\..\\evil.json", "backslash"),
        ("general\\2024-03-01.json", "backslash"),
    ],
)
def test_unsafe_entry_names_are_refused_naming_the_entry(name: str, why: str) -> None:
    data = _zip({"users.json": b"[]", name: b"[]"})
    err = _refusal(data)
    assert err.file == name
    assert why in err.message


def test_symlink_entry_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("channels.json", b"[]")
        link = zipfile.ZipInfo("users.json")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, b"/etc/passwd")
    err = _refusal(buf.getvalue())
    assert err.file == "users.json"
    assert "symbolic link" in err.message


def test_high_ratio_bomb_is_refused_before_inflating() -> None:
    data = _zip({"channels.json": b"[]", "general/2024-01-01.json": b"\0" * (8 << 20)})
    err = _refusal(data)
    assert err.file == "general/2024-01-01.json"
    assert "ratio" in err.message


def test_declared_total_size_limit() -> None:
    entries = {f"c/{i}.json": bytes(range(256)) * 40 for i in range(5)}  # 10 KiB each
    err = _refusal(_zip(entries), ZipLimits(max_total_size=30_000))
    assert err.file == "c/2.json"
    assert "30000" in err.message


def test_entry_count_limit() -> None:
    err = _refusal(_zip({f"c/{i}.json": b"[]" for i in range(12)}), ZipLimits(max_entries=10))
    assert "12 entries" in err.message and err.file == "upload.zip"


def _patch_sizes(data: bytes, declared: int) -> bytes:
    """Make both the local and central headers claim a smaller uncompressed size."""
    raw = bytearray(data)
    local = raw.find(b"PK\x03\x04")
    struct.pack_into("<I", raw, local + 22, declared)
    central = raw.find(b"PK\x01\x02")
    struct.pack_into("<I", raw, central + 24, declared)
    return bytes(raw)


def test_lying_header_is_caught_while_reading() -> None:
    data = _patch_sizes(_zip({"users.json": b'[{"id": "U1"}]' + b" " * 5000}), 14)
    source = Source.from_bytes("liar.zip", data)
    with SafeZip(source) as archive:
        assert archive.size("users.json") == 14
        with pytest.raises(ImportFormatError) as info:
            archive.read("users.json")
    assert info.value.file == "users.json"


def test_duplicate_entries_are_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("users.json", b"[]")
        with pytest.warns(UserWarning):
            zf.writestr("users.json", b'[{"id": "U0EVIL"}]')
    err = _refusal(buf.getvalue())
    assert err.file == "users.json" and "duplicate" in err.message


@pytest.mark.parametrize("data", [b"PK\x03\x04 truncated", b"not a zip at all", b""])
def test_corrupt_archives_raise_format_error(data: bytes) -> None:
    err = _refusal(data)
    assert err.file == "upload.zip"
    assert "ZIP" in err.message


def test_truncated_archive_from_path(tmp_path: Path) -> None:
    good = _zip({"users.json": b"[]" * 1000, "channels.json": b"[]"})
    path = tmp_path / "cut.zip"
    path.write_bytes(good[: len(good) // 2])
    assert _refusal(b"", path=path).file == "cut.zip"


def test_safe_archive_reads_members_in_memory(tmp_path: Path) -> None:
    data = _zip({"users.json": b'[{"id": "U1"}]', "general/": b"", "general/d.json": b"[]"})
    with SafeZip(Source.from_bytes("ok.zip", data)) as archive:
        assert archive.names() == ["users.json", "general/d.json"]
        assert archive.read("users.json") == b'[{"id": "U1"}]'
        assert archive.head("users.json", 4) == b'[{"i'
        assert "general/d.json" in archive and "general/" not in archive
    assert list(tmp_path.iterdir()) == []  # nothing extracted anywhere we can see


def test_export_tree_over_a_folder(tmp_path: Path) -> None:
    (tmp_path / "general").mkdir()
    (tmp_path / "users.json").write_text("[]")
    (tmp_path / "general" / "2024-03-01.json").write_text("[]")
    (tmp_path / "linked.json").symlink_to(tmp_path / "users.json")
    with ExportTree(Source.from_path(tmp_path)) as tree:
        assert tree.names() == ["users.json", "general/2024-03-01.json"]
        assert tree.read("general/2024-03-01.json") == b"[]"
        with pytest.raises(ImportFormatError) as info:
            tree.read("../outside.json")
    assert info.value.file == "../outside.json"


def test_check_entry_name_accepts_ordinary_paths() -> None:
    assert check_entry_name("inc-payments/2024-03-01.json") == "inc-payments/2024-03-01.json"
    assert check_entry_name("a..b/c..json") == "a..b/c..json"
