"""The review as one Markdown document, for wikis."""

from __future__ import annotations

from typing import Any


def _cell(text: Any) -> str:
    # A pipe or a line break would end the table cell early.
    return str("" if text is None else text).replace("|", "\\|").replace("\n", " ").strip()


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def review_markdown(d: dict[str, Any]) -> str:
    """Markdown of a review document (see review_data.review_document)."""
    out = [f"# {d['ref']}: {d['title']}", ""]
    if d["restricted"]:
        out += ["> **RESTRICTED**: visible only to this incident's members and admins.", ""]
    out += [f"**{d['stamp']}** · {d['severity']} · {d['type']} · "
            f"services: {', '.join(d['service_names']) or 'none recorded'}", "",
            f"- Started: {d['started']}", f"- Recovered: {d['recovered']}",
            f"- Review: {d['review_status']}"
            + (f", published {d['published_at']}" if d["published_at"] else ""),
            f"- Owner: {d['owner'] or '—'}; facilitator: {d['facilitator'] or '—'}",
            f"- Times in {d['zone']}", "", "## Summary", "", d["summary"] or "_No summary._", "",
            "## Key moments and durations", ""]
    out += _table(["Moment", f"When ({d['zone']})", "Source"],
                  [[m["label"], m["when"], m["source"] or "missing"] for m in d["moments"]])
    out += _table(["Duration", "Definition", "Value"],
                  [[r["label"], r["definition"], r["text"] or f"unknown ({r['reason']})"]
                   for r in d["durations"]])
    for s in d["sections"]:
        if s["key"] == "summary":
            continue
        out += [f"## {s['title']}", ""]
        if s["holds"] == "impact":
            i = d["impact"]
            out += _table(["", ""], [
                ["Users affected", i["users_affected"] if i["users_affected"] is not None
                 else "unknown"],
                ["Downtime (min)", i["downtime_minutes"] if i["downtime_minutes"] is not None
                 else "unknown"],
                ["Data lost", i["data_loss"] or "none recorded"],
                ["Support tickets", i["support_tickets"] if i["support_tickets"] is not None
                 else "unknown"]])
        elif s["holds"] == "timeline":
            out += _table(["When", "Source", "Who", "What"],
                          [[e["when"], e["source"], e["author"],
                            e["text"] + (f" — _{e['annotation']}_" if e["annotation"] else "")]
                           for e in d["timeline"]])
        elif s["holds"] == "factors":
            for g in d["factor_groups"]:
                out += [f"### {g['category'].capitalize()}", ""]
                out += [f"- {item}" for item in g["items"]] + [""]
        elif s["holds"] == "actions":
            out += _table(["Action", "Type", "Owner", "Due", "Status"],
                          [[a["title"], a["type"], a["owner"] or "unassigned", a["due"] or "—",
                            a["status"].replace("_", " ")] for a in d["actions"]])
        if s["content"].strip():
            out += [s["content"].strip(), ""]
    return "\n".join(out).rstrip() + "\n"
