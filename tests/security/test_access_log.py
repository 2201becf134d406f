"""Secrets passed in query strings (?token=) never reach the access logs."""

from __future__ import annotations

import logging
import threading
import urllib.request

from werkzeug.serving import make_server

SECRET = "s3cr3t-hook-token-value"


def test_dev_server_access_log_redacts_query_tokens(app, caplog) -> None:
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            url = f"http://127.0.0.1:{server.server_port}/static/debrief.css?token={SECRET}&x=1"
            with urllib.request.urlopen(url) as resp:  # noqa: S310 - loopback only
                assert resp.status == 200 and resp.read()  # read all: the server closes the file
    finally:
        server.shutdown()
        thread.join()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/static/debrief.css?token=[redacted]&x=1" in line for line in lines), lines
    assert not any(SECRET in line for line in lines)


def test_gunicorn_access_log_lines_are_redacted(app, caplog) -> None:
    # gunicorn's access logger formats a dict of atoms; the app's filter sits on that logger.
    with caplog.at_level(logging.INFO, logger="gunicorn.access"):
        logging.getLogger("gunicorn.access").info(
            '%(h)s "%(r)s" %(s)s', {"h": "10.0.0.9", "r": f"POST /hooks/jira?secret={SECRET} "
                                    "HTTP/1.1", "s": "202"})
    line = caplog.records[-1].getMessage()
    assert line == '10.0.0.9 "POST /hooks/jira?secret=[redacted] HTTP/1.1" 202'
