"""The PDF renderer fetches nothing but Debrief's static files: no SSRF, no local files."""

from __future__ import annotations

import base64
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.export.pdf import BASE_URL, RefusedURL, SafeFetcher, render_pdf

from .conftest import build_review, pdf_text


@pytest.fixture()
def spy_server():
    """A real HTTP server on loopback that records every request it receives."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(b"SECRET-FROM-INTERNAL-SERVICE")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_review_markdown_cannot_reach_the_network_or_local_files(shared, spy_server, tmp_path):
    port, seen = spy_server
    sections = {"detection": f"Graph: ![x](http://127.0.0.1:{port}/secret) and "
                             f"[link](http://127.0.0.1:{port}/link)",
                "messaging": "![y](file:///etc/passwd) <img src='file:///etc/passwd'> "
                             "![z](/static/../../../../etc/passwd)"}
    world = build_review(shared.db, summary=f"Outage ![s](http://127.0.0.1:{port}/summary)",
                         sections=sections)
    client = shared.client_as(world["owner"])
    for query in ("", "?one_pager=1"):  # the one-pager renders the summary again
        resp = client.get(f"/incidents/{world['incident'].id}/export.pdf{query}")
        assert resp.status_code == 200
        text = pdf_text(resp.data, tmp_path)
        assert "root:x:0:0" not in text and "/bin/" not in text
        assert b"root:x:0:0" not in resp.data
    assert seen == []  # the server was never asked for anything


def test_the_fetcher_itself_refuses_what_sanitising_would_also_remove(shared, spy_server,
                                                                      tmp_path):
    port, seen = spy_server
    # Raw HTML straight to the renderer: the fetcher is the last line of defence.
    html = (f'<link rel="stylesheet" href="file:///etc/passwd">'
            f'<link rel="attachment" href="file:///etc/passwd">'
            f'<a rel="attachment" href="http://127.0.0.1:{port}/a">a</a>'
            f'<link rel="stylesheet" href="http://127.0.0.1:{port}/css">'
            f'<p>hello</p><img src="http://127.0.0.1:{port}/img">'
            f'<img src="file:///etc/passwd"><img src="/static/../../../../etc/passwd">'
            f'<img src="/etc/passwd"><img src="https://debrief.invalid/static/%2e%2e/%2e%2e/x">')
    pdf = render_pdf(html, shared.app.static_folder, 1024)
    text = pdf_text(pdf, tmp_path)
    assert "hello" in text and "root:" not in text
    # WeasyPrint's own fetcher would attach /etc/passwd to the PDF; ours attaches nothing.
    src = tmp_path / "attach.pdf"
    src.write_bytes(pdf)
    listed = subprocess.run(["pdfdetach", "-list", str(src)], capture_output=True, text=True,
                            check=True).stdout
    assert listed.startswith("0 embedded files"), listed
    assert seen == []


def test_fetcher_rules(shared):
    fetcher = SafeFetcher(shared.app.static_folder, data_uri_max_bytes=100)
    css = fetcher.fetch(BASE_URL + "static/print.css")
    assert b"@page" in css.read() and css.content_type == "text/css"
    small = "data:image/png;base64," + base64.b64encode(b"x" * 50).decode()
    assert fetcher.fetch(small).read() == b"x" * 50
    for url in ("file:///etc/passwd", "http://127.0.0.1:1/x", "https://example.com/a.png",
                BASE_URL + "static/../app/__init__.py", BASE_URL + "etc/passwd",
                BASE_URL + "static/no-such-file.css", "ftp://example.com/x",
                "data:image/png;base64," + base64.b64encode(b"x" * 500).decode()):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)


def test_refused_urls_are_logged_without_their_query_or_credentials(shared, caplog):
    fetcher = SafeFetcher(shared.app.static_folder, data_uri_max_bytes=100)
    with caplog.at_level("INFO", logger="app.export.pdf"), pytest.raises(RefusedURL):
        fetcher.fetch("https://user:hunter2@internal.example/img.png?token=s3cret")
    assert "internal.example/img.png" in caplog.text
    assert "s3cret" not in caplog.text and "hunter2" not in caplog.text
