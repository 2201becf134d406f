"""Render export HTML to PDF with WeasyPrint, fetching nothing but Debrief's own static files."""

from __future__ import annotations

import base64
import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from weasyprint import HTML
from weasyprint.document import Document
from weasyprint.urls import URLFetcher, URLFetcherResponse

# A reserved name (RFC 2606): relative URLs resolve here and nowhere real.
BASE_URL = "https://debrief.invalid/"
_STATIC_PREFIX = "/static/"

log = logging.getLogger(__name__)


class RefusedURL(ValueError):
    """A URL the PDF may not load (WeasyPrint logs it and leaves the image out)."""


def _loggable(url: str) -> str:
    """Scheme, host and path only: a query or data: payload may carry a token or content."""
    if url[:5].lower() == "data:":
        return url[:40] + "…"
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{parts.path}"[:200]


class SafeFetcher(URLFetcher):
    """Serve /static/... from the app's static folder and small data: URIs; refuse the rest."""

    def __init__(self, static_folder: str | Path, data_uri_max_bytes: int):
        super().__init__(allowed_protocols=())
        self.static_root = Path(static_folder).resolve()
        self.data_uri_max_bytes = data_uri_max_bytes
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Answer `url` from memory or the static folder; never from the network or disk."""
        try:
            if url[:5].lower() == "data:":
                return self._data(url)
            return self._static(url)
        except RefusedURL as exc:
            shown = _loggable(url)
            self.refused.append(shown)
            log.info("PDF export refused %s: %s", shown, exc)
            raise

    def _data(self, url: str) -> URLFetcherResponse:
        # Checked before decoding, so a huge URI costs nothing.
        if len(url) > self.data_uri_max_bytes * 4 // 3 + 200:
            raise RefusedURL("data: URI larger than the limit")
        meta, sep, payload = url[5:].partition(",")
        if not sep:
            raise RefusedURL("malformed data: URI")
        parts = meta.split(";")
        body = (base64.b64decode(payload) if "base64" in parts[1:]
                else unquote_to_bytes(payload))
        if len(body) > self.data_uri_max_bytes:
            raise RefusedURL("data: URI larger than the limit")
        return URLFetcherResponse(url, body, {"Content-Type": parts[0] or "text/plain"})

    def _static(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        base = urlsplit(BASE_URL)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            raise RefusedURL("only Debrief's own static files may be loaded")
        path = unquote(parts.path)
        if not path.startswith(_STATIC_PREFIX):
            raise RefusedURL("only /static/ paths may be loaded")
        target = (self.static_root / path[len(_STATIC_PREFIX):]).resolve()
        # resolve() folds "..", and symlinks, so the check below sees the real place.
        if not target.is_relative_to(self.static_root) or not target.is_file():
            raise RefusedURL("no such static file")
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": kind})


def render_document(html: str, static_folder: str | Path, data_uri_max_bytes: int) -> Document:
    """The laid-out pages of `html` (count them, then write_pdf()); fetches via SafeFetcher."""
    fetcher = SafeFetcher(static_folder, data_uri_max_bytes)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()


def render_pdf(html: str, static_folder: str | Path, data_uri_max_bytes: int) -> bytes:
    """The PDF of `html`; resources come only through SafeFetcher."""
    return render_document(html, static_folder, data_uri_max_bytes).write_pdf()


def page_size_css(name: str) -> str:
    """The CSS `size` value for the configured paper (A4 or Letter)."""
    return "letter" if str(name).lower() == "letter" else "A4"
