"""Shared output for the benchmarks: a plain table on stdout, and JSON when asked."""

from __future__ import annotations

import json


def emit(title: str, rows: list[dict], json_path: str | None) -> None:
    print(title)
    if rows:
        keys = list(rows[0])
        widths = {k: max(len(k), *(len(_fmt(r.get(k))) for r in rows)) for k in keys}
        print("  ".join(k.rjust(widths[k]) for k in keys))
        for r in rows:
            print("  ".join(_fmt(r.get(k)).rjust(widths[k]) for k in keys))
    if json_path:
        with open(json_path, "w") as f:
            json.dump({"title": title, "rows": rows}, f, indent=1)


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)
