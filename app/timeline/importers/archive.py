"""Read ZIP uploads safely: vet every entry first, then read members in memory with guards."""

from __future__ import annotations

import io
import os
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from .base import ImportFormatError, Source

_CHUNK = 1 << 16
# Errors the stdlib raises on corrupt, truncated or unsupported archives.
_ZIP_ERRORS = (
    zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
    NotImplementedError, RuntimeError, IndexError, KeyError, OverflowError,
)


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """Refusal thresholds, checked on the central directory before anything is inflated."""

    max_total_size: int = 1 << 30  # 1 GiB declared uncompressed
    max_ratio: float = 200.0
    # Tiny redundant files (e.g. "[]" or a run of spaces) legitimately compress far better
    # than 200:1 and cannot hurt, so the ratio is only judged on entries above this size.
    ratio_floor: int = 1 << 20
    max_entries: int = 250_000


def check_entry_name(name: str) -> str:
    """Return `name` if it is a safe relative path, else raise ImportFormatError naming it."""
    shown = name[:200]
    if not name or "\x00" in name:
        raise ImportFormatError("unsafe entry name (empty or NUL byte)", file=shown)
    if "\\" in name:
        raise ImportFormatError("unsafe entry name (backslash in path)", file=shown)
    if name.startswith("/"):
        raise ImportFormatError("unsafe entry name (absolute path)", file=shown)
    if len(name) >= 2 and name[1] == ":" and name[0].isalpha():
        raise ImportFormatError("unsafe entry name (drive letter)", file=shown)
    if any(part == ".." for part in name.split("/")):
        raise ImportFormatError("unsafe entry name ('..' path component)", file=shown)
    return name


def _zip_target(source: Source) -> Path | IO[bytes]:
    # A path lets ZipFile own (and close) its file handle.
    return source.path if source.path is not None else source.open()


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return stat.S_ISLNK(mode)


class SafeZip:
    """A vetted ZIP archive whose file members are read into memory, never to disk."""

    def __init__(self, source: Source, limits: ZipLimits | None = None) -> None:
        self.name = source.name
        self.limits = limits or ZipLimits()
        try:
            self._zip = zipfile.ZipFile(_zip_target(source))
            infos = self._zip.infolist()
        except _ZIP_ERRORS as exc:
            raise ImportFormatError(f"not a readable ZIP archive ({exc})", file=self.name) from None
        try:
            self._members = self._vet(infos)
        except ImportFormatError:
            self._zip.close()
            raise
        self._read_total = 0

    def _vet(self, infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
        limits = self.limits
        if len(infos) > limits.max_entries:
            raise ImportFormatError(
                f"archive has {len(infos)} entries, more than the limit of {limits.max_entries}",
                file=self.name,
            )
        members: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            name = check_entry_name(info.orig_filename)
            if _is_symlink(info):
                raise ImportFormatError("symbolic link entries are not allowed", file=name)
            if info.flag_bits & 0x1:
                raise ImportFormatError("encrypted entries are not supported", file=name)
            if info.is_dir():
                continue
            if name in members:
                raise ImportFormatError("duplicate entry in archive", file=name)
            total += info.file_size
            if total > limits.max_total_size:
                raise ImportFormatError(
                    f"archive would inflate past {limits.max_total_size} bytes "
                    f"(refused at this entry)", file=name,
                )
            if info.file_size > limits.ratio_floor and (
                info.compress_size == 0 or info.file_size / info.compress_size > limits.max_ratio
            ):
                raise ImportFormatError(
                    f"entry compression ratio exceeds {limits.max_ratio:g}:1 "
                    f"({info.file_size} bytes from {info.compress_size}); refusing a ZIP bomb",
                    file=name,
                )
            members[name] = info
        return members

    def names(self) -> list[str]:
        """Every file member's name (folders left out), in archive order."""
        return list(self._members)

    def __contains__(self, name: object) -> bool:
        return name in self._members

    def size(self, name: str) -> int:
        """The declared uncompressed size of member `name`."""
        return self._members[name].file_size

    def read(self, name: str) -> bytes:
        """The bytes of member `name`, stopping past its declared size (headers can lie)."""
        return b"".join(self.iter_chunks(name))

    def iter_chunks(self, name: str) -> Iterator[bytes]:
        """Stream member `name` in chunks with the byte guards applied."""
        info = self._members.get(name)
        if info is None:
            raise ImportFormatError("no such entry in archive", file=name)
        declared = info.file_size
        seen = 0
        try:
            with self._zip.open(info) as fh:
                while True:
                    # Read one byte past the declared size so a lying header is noticed.
                    chunk = fh.read(min(_CHUNK, declared - seen + 1))
                    if not chunk:
                        break
                    seen += len(chunk)
                    self._read_total += len(chunk)
                    if seen > declared:
                        raise ImportFormatError(
                            f"entry inflates past its declared size of {declared} bytes",
                            file=name,
                        )
                    if self._read_total > self.limits.max_total_size:
                        raise ImportFormatError(
                            f"archive inflated past {self.limits.max_total_size} bytes", file=name
                        )
                    yield chunk
        except ImportFormatError:
            raise
        except _ZIP_ERRORS as exc:
            raise ImportFormatError(
                f"corrupt archive entry ({exc})", file=name, position=seen
            ) from None

    def head(self, name: str, n: int = 4096) -> bytes:
        """Up to the first `n` bytes of member `name` (for sniffing)."""
        info = self._members.get(name)
        if info is None:
            raise ImportFormatError("no such entry in archive", file=name)
        try:
            with self._zip.open(info) as fh:
                return fh.read(min(n, info.file_size))
        except _ZIP_ERRORS as exc:
            raise ImportFormatError(f"corrupt archive entry ({exc})", file=name) from None

    def open(self, name: str) -> io.BytesIO:
        """A binary stream over member `name` (read fully in memory, guarded)."""
        return io.BytesIO(self.read(name))

    def close(self) -> None:
        """Release the archive."""
        self._zip.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def zip_names(source: Source) -> list[str]:
    """Member names of a ZIP source without vetting (for cheap sniffing); [] if unreadable."""
    try:
        with zipfile.ZipFile(_zip_target(source)) as zf:
            return zf.namelist()
    except Exception:  # noqa: BLE001 - sniffing must never raise
        return []


class ExportTree:
    """The files of an export given as a ZIP or an unpacked folder, by relative POSIX name."""

    def __init__(self, source: Source, limits: ZipLimits | None = None) -> None:
        self.name = source.name
        self._zip: SafeZip | None = None
        self._root: Path | None = None
        if source.is_dir:
            assert source.path is not None
            self._root = source.path
            self._names = _walk(source.path)
        else:
            self._zip = SafeZip(source, limits)
            self._names = self._zip.names()

    def names(self) -> list[str]:
        """Every file's relative name."""
        return self._names

    def __contains__(self, name: object) -> bool:
        if self._zip is not None:
            return name in self._zip
        return name in set(self._names)

    def read(self, name: str) -> bytes:
        """The bytes of one file (ImportFormatError naming it when unreadable)."""
        if self._zip is not None:
            return self._zip.read(name)
        assert self._root is not None
        try:
            return (self._root / check_entry_name(name)).read_bytes()
        except OSError as exc:
            raise ImportFormatError(f"cannot read file ({exc.strerror})", file=name) from None

    def close(self) -> None:
        """Release the archive, if any."""
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> ExportTree:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _walk(root: Path) -> list[str]:
    names: list[str] = []
    # Symlinks are skipped for the same reason ZIP symlink entries are refused.
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not (base / d).is_symlink())
        for fname in sorted(filenames):
            path = base / fname
            if not path.is_symlink():
                names.append(path.relative_to(root).as_posix())
    return names
