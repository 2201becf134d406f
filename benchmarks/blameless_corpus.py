"""Benchmark: run the blameless-language checker over real postmortems and sample findings.

    .venv/bin/python benchmarks/blameless_corpus.py [CORPUS] [--sample 30] [--seed 20251123]

CORPUS defaults to ../shared/corpus beside the repository. Reads the DFDS and Ministry of
Justice Cloud Platform postmortems (their `_meta` folders hold templates, not incidents),
prints warnings per 1,000 words per folder and overall, counts per rule and the time taken,
and writes a seeded random sample of findings with context to
benchmarks/out/blameless_sample.md for hand-checking.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.reviews.blameless import RULES, Finding, check  # noqa: E402

FOLDERS = ("dfds_postmortems", "moj_cloud-platform_incidents")
_WORD = re.compile(r"\b[\w'’-]+\b")


def postmortems(folder: Path) -> list[Path]:
    """The Markdown postmortems of one folder, meta pages left out, in name order."""
    return sorted(p for p in folder.rglob("*.md") if "_meta" not in p.relative_to(folder).parts)


def context_of(text: str, f: Finding, width: int = 160) -> str:
    """The finding's surroundings on one line, the flagged words in bold."""
    before = text[max(0, f.start - width):f.start]
    after = text[f.end:f.end + width]
    flat = " ".join(before.split()) + " **" + " ".join(f.text.split()) + "** "
    return (flat + " ".join(after.split())).strip()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--folders", nargs="+", default=list(FOLDERS),
                        help="folders under CORPUS/postmortems (e.g. icco_postmortems as a "
                             "held-out set the rules were not tuned on)")
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20251123)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "out" /
                                             "blameless_sample.md"))
    args = parser.parse_args(argv)
    base = Path(args.corpus) / "postmortems"
    all_findings: list[tuple[str, str, Finding]] = []
    per_rule: Counter[str] = Counter()
    total_words = total_warn = total_info = 0
    started = time.perf_counter()
    print(f"{'folder':32} {'files':>5} {'words':>7} {'warn':>5} {'info':>5} {'warn/1k':>8}")
    for name in args.folders:
        files = postmortems(base / name)
        if not files:
            print(f"{name}: no postmortems found under {base / name}", file=sys.stderr)
            return 2
        words = warn = info = 0
        for path in files:
            text = path.read_text(encoding="utf-8", errors="replace")
            words += len(_WORD.findall(text))
            for f in check(text):
                per_rule[f.rule] += 1
                warn += f.severity == "warn"
                info += f.severity == "info"
                all_findings.append((f"{name}/{path.name}", text, f))
        print(f"{name:32} {len(files):5} {words:7} {warn:5} {info:5} "
              f"{1000 * warn / max(words, 1):8.2f}")
        total_words, total_warn, total_info = (total_words + words, total_warn + warn,
                                               total_info + info)
    elapsed = time.perf_counter() - started
    print(f"{'overall':32} {'':5} {total_words:7} {total_warn:5} {total_info:5} "
          f"{1000 * total_warn / max(total_words, 1):8.2f}")
    print(f"checked in {elapsed:.2f} s")
    print("per rule:")
    for rule_id in RULES:
        print(f"  {rule_id:22} {per_rule[rule_id]:4}")
    sample = random.Random(args.seed).sample(all_findings, min(args.sample,
                                                                 len(all_findings)))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# Blameless checker: {len(sample)} sampled findings (seed {args.seed})", "",
             "Mark each right (R) or wrong (W) after reading it in context.", ""]
    for i, (where, text, f) in enumerate(sample, 1):
        lines += [f"## {i}. {f.rule} ({f.severity}) in {where}", "",
                  f"> {context_of(text, f)}", "", "Judgement: ", ""]
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"sample written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
