"""Markdown tables from the benchmark's result files (for docs/performance.md).

`python -m bench.report bench/data/results-postgresql-full.json [before.json]`
"""

import json
import sys
from pathlib import Path


def _fmt(value) -> str:
    if value is None:
        return "–"
    return f"{value:.3g}" if value < 1000 else f"{value:.0f}"


def table(after: dict, before: dict | None = None) -> str:
    head = "| figure | value | ratio | ok |"
    rule = "|---|---:|---:|:-:|"
    if before:
        head = "| figure | before | before ratio | after | after ratio | ok |"
        rule = "|---|---:|---:|---:|---:|:-:|"
    lines = [head, rule]
    for name, fig in after.items():
        unit = fig["unit"]
        ratio = _fmt(fig["ratio"])
        mark = "ok" if fig["ok"] else "**miss**"
        if before:
            old = before.get(name, {})
            lines.append(
                f"| {name} | {_fmt(old.get('value'))} {unit} | {_fmt(old.get('ratio'))} "
                f"| {_fmt(fig['value'])} {unit} | {ratio} | {mark} |"
            )
        else:
            lines.append(f"| {name} | {_fmt(fig['value'])} {unit} | {ratio} | {mark} |")
    return "\n".join(lines)


def main() -> None:
    after = json.loads(Path(sys.argv[1]).read_text())
    before = json.loads(Path(sys.argv[2]).read_text()) if len(sys.argv) > 2 else None
    print(table(after, before))


if __name__ == "__main__":
    main()
