"""What the reporters cost per item: a 1,000-item runbook (the `env` family against one dotenv file, so
no target time hides the reporters' time), run as a user runs it, with and without the archive.

    python benchmarks/reporters.py [--items 1000] [--repeat 3]

Modes: `--no-archive` (pytest and the engine alone); the archive (results.json, JUnit, Allure results,
coverage, inputs, manifest and chain link); the archive signed (OPSVERIFY_SIGNING_KEY). Runs are interleaved;
for each mode it prints the fastest wall time and the least CPU time (user + system of the process: what a
shared, loaded machine disturbs least), the reporters' cost per item (that mode minus --no-archive, over the
items), and how long the process took to exit after printing its summary.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

BUDGET_MS = 0.5  # per item, all reporters on (issue 10)


def runbook(root: Path, items: int) -> None:
    (root / "checklists").mkdir(parents=True)
    (root / "environments").mkdir()
    names = [f"VAR_{i:04d}" for i in range(items)]
    (root / "app.env").write_text("".join(f"{n}=value-{i}\n" for i, n in enumerate(names)))
    checklist = {"system": "bench", "runbook": "bench", "items": [
        {"id": f"B{i}", "name": "var-set", "section": f"{i // 100 + 1} Section", "title": f"{name} is set",
         "family": "env", "cadence": "postdeploy", "params": {"service": "app", "required": [name]}}
        for i, name in enumerate(names)]}
    (root / "checklists" / "bench.yaml").write_text(yaml.safe_dump(checklist, sort_keys=False))
    env = {"name": "bench", "systems": {"bench": {"services": {"app": {"env": {"dotenv": str(root / "app.env")}}}}}}
    (root / "environments" / "bench.yaml").write_text(yaml.safe_dump(env))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, seconds from the summary's last line to the process's exit)."""
    cpu = _cpu()
    command = [sys.executable, "-m", "pytest", "checklists", "--env", "bench", "-p", "no:cacheprovider", "-q",
               "--reports-dir", str(root / "reports"), *args]
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, **(env or {})})
    last_line_at = started
    for line in proc.stdout:
        if " passed" in line and " in " in line:  # pytest's closing line: the summary is out
            last_line_at = time.perf_counter()
    proc.wait()
    ended = time.perf_counter()
    if proc.returncode != 0:
        raise SystemExit(f"run failed ({proc.returncode}): {' '.join(args)}")
    return ended - started, _cpu() - cpu, ended - last_line_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from opsverify.seal import SIGNING_KEY_ENV, private_pem

    key = private_pem(Ed25519PrivateKey.generate())
    modes = {"--no-archive": (["--no-archive"], None), "archive": ([], None),
             "archive, signed": ([], {SIGNING_KEY_ENV: key})}
    with tempfile.TemporaryDirectory(prefix="opsverify-bench-") as tmp:
        root = Path(tmp)
        runbook(root, options.items)
        run(root, "--no-archive")  # warm the caches (imports, .pyc)
        timings: dict[str, list[tuple[float, float, float]]] = {mode: [] for mode in modes}
        for _ in range(options.repeat):
            for mode, (args, env) in modes.items():
                timings[mode].append(run(root, *args, env=env))
    base_wall = min(t for t, _, _ in timings["--no-archive"])
    base_cpu = min(c for _, c, _ in timings["--no-archive"])
    print(f"{options.items} items, best of {options.repeat} (interleaved)")
    for mode, samples in timings.items():
        wall, cpu = min(t for t, _, _ in samples), min(c for _, c, _ in samples)
        exit_after = statistics.median(e for _, _, e in samples)
        extra = ("" if mode == "--no-archive" else
                 f"  reporters {(wall - base_wall) / options.items * 1000:+.3f} ms/item wall, "
                 f"{(cpu - base_cpu) / options.items * 1000:+.3f} ms/item CPU (budget {BUDGET_MS} ms)")
        print(f"  {mode:<16} {wall:6.2f} s wall {cpu:6.2f} s CPU   exit {exit_after * 1000:4.0f} ms after the summary{extra}")


if __name__ == "__main__":
    main()
