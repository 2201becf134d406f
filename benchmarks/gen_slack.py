"""Write a realistic synthetic Slack workspace export ZIP (threads, bots, files, edits)."""

from __future__ import annotations

import json
import random
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_WORDS = (
    "deploy rollback latency p99 database replica failover cache eviction queue backlog "
    "alert pager error rate 500s upstream timeout dns certificate config flag canary "
    "region traffic shift mitigation restart pods node disk pressure memory leak customer "
    "status page update investigating identified monitoring resolved dashboard graph spike "
    "load balancer retry storm connection pool saturation hotfix migration lock"
).split()
_FIRST = "Ana Bo Chen Dara Eli Fatou Gus Hana Ivo Jun Kai Lena Mo Nia Omar Pia Quinn Ravi".split()
_LAST = "Silva Okafor Novak Tanaka Berg Haddad Kowalski Moreau Singh Larsen Costa Ito".split()
_START = 1_700_000_000


def _text(rng: random.Random, users: list[str], channels: list[tuple[str, str]]) -> str:
    words = rng.choices(_WORDS, k=rng.randint(4, 24))
    roll = rng.random()
    if roll < 0.15:
        words.insert(rng.randrange(len(words) + 1), f"<@{rng.choice(users)}>")
    elif roll < 0.22:
        words.insert(0, f"*{words.pop(0)}*")
    elif roll < 0.27:
        cid, name = rng.choice(channels)
        words.append(f"<#{cid}|{name}>")
    elif roll < 0.32:
        words.append(f"<https://grafana.example.com/d/{rng.randrange(10**6)}|dashboard>")
    elif roll < 0.34:
        words.append("`kubectl rollout undo` &amp; wait")
    return " ".join(words)


def _user_row(uid: str, rng: random.Random) -> dict[str, Any]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    handle = f"{first.lower()}.{last.lower()}"
    return {
        "id": uid, "team_id": "T0BENCH01", "name": handle, "deleted": False,
        "real_name": f"{first} {last}", "tz": "Europe/Berlin", "tz_offset": 3600,
        "is_bot": False,
        "profile": {"real_name": f"{first} {last}", "display_name": handle,
                    "first_name": first, "last_name": last},
    }


def generate_slack_export(
    path: str | Path, messages: int = 200_000, channels: int = 20, seed: int = 1,
    users: int = 60,
) -> Path:
    """Write an export ZIP of `messages` messages over `channels` channels; return its path."""
    rng = random.Random(seed)
    path = Path(path)
    user_ids = [f"U{seed:03d}{i:05d}" for i in range(users)]
    chans = [(f"C{seed:03d}{i:05d}", f"inc-{i:02d}-{rng.choice(_WORDS)}") for i in range(channels)]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        _put(zf, "users.json", json.dumps([_user_row(u, rng) for u in user_ids], indent=1))
        _put(zf, "channels.json", json.dumps([
            {"id": cid, "name": name, "created": _START, "creator": user_ids[0],
             "is_archived": False, "members": user_ids[:10],
             "topic": {"value": "", "creator": "", "last_set": 0},
             "purpose": {"value": "", "creator": "", "last_set": 0}}
            for cid, name in chans], indent=1))
        for dm in ("groups.json", "dms.json", "mpims.json"):
            _put(zf, dm, "[]")
        for index, (_cid, name) in enumerate(chans):
            count = messages // channels + (1 if index < messages % channels else 0)
            _write_channel(zf, rng, name, count, user_ids, chans)
    return path


def _put(zf: zipfile.ZipFile, name: str, text: str) -> None:
    # A fixed entry time: the same seed must give the same bytes, whatever the clock says.
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, text, compresslevel=1)


def _write_channel(zf: zipfile.ZipFile, rng: random.Random, name: str, count: int,
                   users: list[str], chans: list[tuple[str, str]]) -> None:
    clock = _START * 1_000_000 + rng.randrange(3_600_000_000)
    day: str | None = None
    batch: list[dict[str, Any]] = []
    open_threads: list[str] = []

    def flush() -> None:
        if batch:
            _put(zf, f"{name}/{day}.json", json.dumps(batch, indent=4, ensure_ascii=False))
            batch.clear()

    for _ in range(count):
        clock += rng.randrange(1_000_000, 900_000_000)
        ts = f"{clock // 1_000_000}.{clock % 1_000_000:06d}"
        today = datetime.fromtimestamp(clock // 1_000_000, UTC).strftime("%Y-%m-%d")
        if today != day:
            flush()
            day = today
        user = rng.choice(users)
        msg: dict[str, Any] = {"type": "message", "user": user,
                               "text": _text(rng, users, chans), "ts": ts}
        roll = rng.random()
        if roll < 0.25 and open_threads:
            msg["thread_ts"] = rng.choice(open_threads[-5:])
            msg["parent_user_id"] = rng.choice(users)
        elif roll < 0.32:
            msg["thread_ts"] = ts
            open_threads.append(ts)
        elif roll < 0.37:
            msg = {"type": "message", "subtype": "bot_message", "bot_id": "B0BENCH01",
                   "username": "alertmanager", "ts": ts,
                   "text": f"[FIRING:1] HighErrorRate {rng.choice(_WORDS)} alert triggered"}
        elif roll < 0.39:
            msg["subtype"] = "channel_join"
            msg["text"] = f"<@{user}> has joined the channel"
        elif roll < 0.41:
            msg["files"] = [{"id": f"F{clock}", "name": "graph.png", "title": "graph",
                             "mimetype": "image/png",
                             "url_private": f"https://files.slack.com/F{clock}/graph.png"}]
        if roll > 0.95:
            msg["edited"] = {"user": user, "ts": f"{clock // 1_000_000 + 60}.000000"}
        batch.append(msg)
    flush()
