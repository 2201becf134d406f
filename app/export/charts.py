"""Report charts as deterministic, CSP-safe SVG drawn by matplotlib's SVG backend."""

from __future__ import annotations

import base64
import io
import re
from functools import lru_cache
from typing import Any

import matplotlib
from markupsafe import Markup
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

_RC = {
    # A fixed salt and no date: the same data gives byte-identical SVG (cacheable, testable).
    "svg.hashsalt": "debrief",
    # Text stays text: selectable in the PDF, readable by screen readers, small.
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_BLUE = "#0b4f8a"
_SEVERITY_COLOURS = ("#8e0000", "#d9480f", "#e8a33d", "#8fa8bf")
_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')
_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.S)
_DROP = re.compile(r"<metadata>.*?</metadata>|<style[^>]*>.*?</style>", re.S)
_IDS = re.compile(r'(\bid="|url\(#|href="#)')


def _presentational(match: re.Match[str]) -> str:
    # The page's CSP forbids style attributes; SVG presentation attributes say the same.
    attrs = []
    for decl in match.group(1).split(";"):
        name, _, value = decl.partition(":")
        if name.strip() and value.strip():
            attrs.append(f' {name.strip()}="{value.strip().strip(chr(39))}"')
    return "".join(attrs)


def to_inline_svg(fig: Figure, name: str, label: str) -> Markup:
    """`fig` as <svg> markup to put inline in HTML: no style attributes, ids prefixed."""
    buf = io.StringIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = _DROP.sub("", _PROLOGUE.sub("", buf.getvalue()))
    svg = _STYLE_ATTR.sub(_presentational, svg)
    svg = _IDS.sub(lambda m: f"{m.group(1)}{name}-", svg)
    title = Markup.escape(label)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{title}" ', 1)
    svg = re.sub(r"(<svg[^>]*>)", rf"\1<title>{title}</title>", svg, count=1)
    return Markup(svg)  # noqa: S704 - produced by matplotlib from numbers and escaped labels


@lru_cache(maxsize=8)
def watermark_data_uri(word: str) -> str:
    """A faint diagonal `word` as an SVG data: URI, drawn as outlines, not text.

    Outlines keep the watermark out of the PDF's text layer, so copying or extracting
    the text does not interleave its letters with the document's.
    """
    with matplotlib.rc_context({**_RC, "svg.fonttype": "path"}):
        fig = _figure(8.27, 11.69)
        fig.patch.set_alpha(0)
        fig.text(0.5, 0.5, word, rotation=30, ha="center", va="center", fontsize=110,
                 fontweight="bold", color="#b40020", alpha=0.08)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None}, transparent=True)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue().encode()).decode()


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width, height))
        FigureCanvasSVG(fig)
    return fig


def histogram(metric: dict[str, Any]) -> Markup:
    """A bar chart of one metric's duration buckets."""
    with matplotlib.rc_context(_RC):
        fig = _figure(7.0, 1.9)
        ax = fig.add_subplot()
        labels = [b["label"] for b in metric["histogram"]]
        counts = [b["count"] for b in metric["histogram"]]
        ax.bar(range(len(labels)), counts, color=_BLUE)
        ax.set_xticks(range(len(labels)), labels, fontsize=6.5)
        ax.set_ylabel("incidents")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_title(f"{metric['label']} (n = {metric['n']})", fontsize=8)
        # Fixed margins: tight_layout measured every label and took half the chart's time.
        fig.subplots_adjust(left=0.07, right=0.99, bottom=0.14, top=0.88)
    return to_inline_svg(fig, f"h-{metric['key']}",
                         f"Histogram of {metric['label'].lower()}, n = {metric['n']}")


def by_type_and_severity(data: dict[str, Any], labels: list[str]) -> Markup:
    """Incidents per type, stacked by severity."""
    types = [t["name"] for t in data["by_type"]] or ["none"]
    with matplotlib.rc_context(_RC):
        fig = _figure(7.0, 2.2)
        ax = fig.add_subplot()
        bottom = [0] * len(types)
        for level in range(1, 5):
            counts = [sum(1 for r in data["incidents"]
                          if r["type"] == t and r["severity"] == level) for t in types]
            ax.bar(types, counts, bottom=bottom, color=_SEVERITY_COLOURS[level - 1],
                   label=labels[level - 1])
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel("incidents")
        ax.tick_params(axis="x", labelsize=7)
        # Beside the plot, not over it: bars may reach the top.
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title(f"Incidents by type and severity (n = {data['n']})", fontsize=8)
        fig.subplots_adjust(left=0.07, right=0.88, bottom=0.12, top=0.88)
    return to_inline_svg(fig, "types", "Incidents by type, stacked by severity")


def report_charts(data: dict[str, Any], labels: list[str] | None = None) -> dict[str, Markup]:
    """Every chart of the period report by name (histograms only for metrics with data)."""
    labels = labels or ["SEV1", "SEV2", "SEV3", "SEV4"]
    out = {"types": by_type_and_severity(data, labels)}
    for m in data["metrics"]:
        if m["n"]:
            out[m["key"]] = histogram(m)
    return out
