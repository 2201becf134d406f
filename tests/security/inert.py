"""XSS payloads, and a check with a browser-grade HTML parser that a page runs none of them."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

# One string carrying the classic vectors: a script element, an event handler, a
# javascript: link in Markdown and in HTML, and an attribute break-out.
PAYLOAD = ('XSS-<script>alert(1)</script> <img src=x onerror=alert(1)> '
           '[click](javascript:alert(1)) <a href="javascript:alert(1)">a</a> '
           '"><svg onload=alert(1)> \'><iframe src=javascript:alert(1)>')
# What must be visible as text once the payload is shown escaped.
VISIBLE = "onerror=alert(1)"
# The same vectors as a Slack export encodes them: < > & escaped, links as <url|label>.
SLACK_PAYLOAD = ('XSS-&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt; '
                 '<javascript:alert(1)|click> "&gt;&lt;svg onload=alert(1)&gt;')

_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster",
              "background", "srcset", "ping"}
_NEVER = {"iframe", "object", "embed", "frame", "frameset", "base", "applet"}
_SCRIPT_URL = re.compile(r"^\s*(javascript|vbscript|data\s*:\s*text/html)\s*:?", re.I)


def parse(html: str) -> BeautifulSoup:
    """The page as a browser would parse it (html5lib implements the HTML5 algorithm)."""
    return BeautifulSoup(html, "html5lib")


def problems(html: str) -> list[str]:
    """Everything in the page that would run script: empty when the page is inert."""
    found = []
    for el in parse(html).find_all(True):
        name = el.name.lower()
        if name in _NEVER:
            found.append(f"<{name}> element")
        if name == "script" and (not el.get("src", "").startswith("/static/")
                                 or el.get_text().strip()):
            found.append(f"inline or foreign script: {str(el)[:80]}")
        if name == "meta" and el.get("http-equiv", "").lower() == "refresh":
            found.append("meta refresh")
        for attr, value in el.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            if attr.lower().startswith("on"):
                found.append(f"<{name} {attr}={value[:40]!r}>")
            # Browsers drop ASCII whitespace and control characters inside a scheme.
            if attr.lower() in _URL_ATTRS and _SCRIPT_URL.match(
                    re.sub(r"[\x00-\x20]", "", value)):
                found.append(f"<{name} {attr}={value[:40]!r}>")
    return found


def assert_inert(html: str, where: str) -> None:
    """Fail naming the page and each live element found."""
    bad = problems(html)
    assert not bad, f"{where}: user data became live HTML: {bad}"


def shows_payload(html: str) -> bool:
    """True when the payload is on the page as visible text (so the check above was real)."""
    return VISIBLE in parse(html).get_text()
