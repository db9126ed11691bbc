#!/usr/bin/python3
"""Checks that README.md describes summary.json as `memloc-cli demo` writes it.

usage: check-readme-summary.py README.md SUMMARY.json
       check-readme-summary.py README.md --make-summary MEMLOC_CLI
The README's "- **demo**:" item of the memloc-cli section names every key of the summary in
backquotes: each top-level key, and inside the parentheses after an object-valued key, every key
of that object. Exits 1, listing the differences, when a key the file has is not described, or a
described key is not in the file. With --make-summary the summary comes from a `memloc-cli demo`
run on a tiny synthetic base run (seconds), so the check sees what this build writes.
"""
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

TINY_BASE = {"dataset": "synthetic", "synthetic_train": 160, "synthetic_test": 64, "synthetic_size": 12,
             "subset": 0, "test_subset": 0, "noise": 0.25, "width": 0.125, "epochs": 3, "batch_size": 32,
             "accounting": True, "device": "cpu", "threads": 2}


def demo_item(readme: str) -> str:
    m = re.search(r"^- \*\*demo\*\*:(.*?)(?=^- \*\*|^\S|\Z)", readme, re.S | re.M)
    if not m:
        sys.exit("README.md: no '- **demo**:' item describing summary.json")
    return m.group(1)


def described_keys(item: str) -> dict:
    """{top-level key: set of nested keys} from the item's text after 'summary.json'."""
    text = item[item.index("summary.json") + len("summary.json"):]
    described, depth, current = {}, 0, None
    for token in re.finditer(r"`([A-Za-z_][A-Za-z0-9_]*)`|\(|\)", text):
        if token.group(0) == "(":
            depth += 1
        elif token.group(0) == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            current = token.group(1)
            described.setdefault(current, set())
        elif depth == 1 and current is not None:
            described[current].add(token.group(1))
    return described


def make_summary(cli: str, folder: Path) -> Path:
    config = folder / "base.json"
    config.write_text(json.dumps(TINY_BASE))
    subprocess.run([cli, "demo", "--config", str(config), "--out", str(folder), "--quiet", "--device", "cpu",
                    "--threads", "2"], check=True, stdout=subprocess.DEVNULL)
    return folder / "summary.json"


def main() -> int:
    readme = Path(sys.argv[1]).read_text()
    with tempfile.TemporaryDirectory() as tmp:
        if sys.argv[2] == "--make-summary":
            summary = json.loads(make_summary(sys.argv[3], Path(tmp)).read_text())
        else:
            summary = json.loads(Path(sys.argv[2]).read_text())
    described = described_keys(demo_item(readme))
    problems = []
    for key, value in summary.items():
        if key not in described:
            problems.append(f"summary.json has `{key}`, the README does not describe it")
        elif isinstance(value, dict) and key not in ("seconds", "rewind_memorization_drop", "retrain_noisy_given_acc"):
            # Objects keyed by data (layer groups, stages) are described as a whole; the rest key by key.
            for sub in value:
                if sub not in described[key]:
                    problems.append(f"summary.json has `{key}.{sub}`, the README does not describe it")
            for sub in described[key] - set(value):
                problems.append(f"the README describes `{key}.{sub}`, summary.json has no such key")
    for key in described:
        if key not in summary:
            problems.append(f"the README describes `{key}`, summary.json has no such key")
    for p in problems:
        print(p)
    print(f"{len(summary)} keys checked, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
