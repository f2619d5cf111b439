"""Running one variant as its own process and measuring it: wall time, peak memory, when each
output line appeared, and how long the process took to exit after pytest's summary line."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# pytest's last line: "250 passed in 1.23s" (-q) or "==== 250 passed, 1 warning in 1.23s ====",
# and for --collect-only "250 tests collected in 0.41s"
SUMMARY = re.compile(r"\b\d+ (passed|failed|errors?|skipped|deselected|tests? collected)\b.* in [\d.]+s\b")
PEAK_POLL_S = 0.01
DEMO_READY = re.compile(r"opsverify: demo ready in ([\d.]+) s")


@dataclass
class Sample:
    wall_s: float
    code: int
    max_rss_mb: float
    stdout: list[tuple[float, str]]  # (seconds since launch, line)
    stderr: list[tuple[float, str]]
    cpu_s: float = 0.0  # user + system time of the process (and the children it waited for)
    targets_cpu_s: float = 0.0  # what the benchmark's servers and proxies used meanwhile (set by the harness)

    @property
    def output(self) -> str:
        return "\n".join(line for _, line in self.stdout + self.stderr)

    def summary_at(self) -> float | None:
        found = [at for at, line in self.stdout if SUMMARY.search(line)]
        return found[-1] if found else None

    @property
    def exit_after_summary_s(self) -> float | None:
        at = self.summary_at()
        return None if at is None else self.wall_s - at

    def demo_ready(self) -> tuple[float, float] | None:
        """(the plugin's own "ready in X s", seconds from launch to that line)."""
        for at, line in self.stderr:
            match = DEMO_READY.search(line)
            if match:
                return float(match.group(1)), at
        return None

    def counts(self) -> dict[str, int]:
        at = self.summary_at()
        line = next((line for t, line in self.stdout if t == at and SUMMARY.search(line)), "")
        return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|errors?|skipped|tests? collected)", line)}


class RunFailed(RuntimeError):
    """A variant that did not do what it measures (a failing check, a crash): its time means nothing."""


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPSVERIFY_"))}
    # bytecode cached as on any machine that ran the suite before (run() callers warm up once)
    environ.pop("PYTHONDONTWRITEBYTECODE", None)
    environ.update(extra)
    environ["PYTHONUNBUFFERED"] = "1"  # lines arrive when written: the summary's moment is exact
    return environ


def run(args: list[str], cwd: Path, env: dict[str, str], *, timeout_s: float = 600,
        python_flags: tuple[str, ...] = ()) -> Sample:
    """`python [flags] ARGS` in `cwd`; the same interpreter as ours."""
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, *python_flags, *args], cwd=cwd, env=child_environment(env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    streams: dict[str, list[tuple[float, str]]] = {"out": [], "err": []}

    def read(pipe, into: list) -> None:
        for raw in pipe:
            into.append((time.monotonic() - started, raw.decode("utf-8", "replace").rstrip("\n")))

    readers = [threading.Thread(target=read, args=(proc.stdout, streams["out"]), daemon=True),
               threading.Thread(target=read, args=(proc.stderr, streams["err"]), daemon=True)]
    for reader in readers:
        reader.start()
    peak_kb = [0]
    watcher = threading.Thread(target=_watch_peak, args=(proc, peak_kb), daemon=True)
    watcher.start()
    timer = threading.Timer(timeout_s, proc.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)  # blocks until exit (Popen.wait polls in steps up to 50 ms)
    finally:
        timer.cancel()
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    for thread in (*readers, watcher):
        thread.join(timeout=10)
    return Sample(wall, proc.returncode, peak_kb[0] / 1024, streams["out"], streams["err"],
                  cpu_s=usage.ru_utime + usage.ru_stime)


def _watch_peak(proc: subprocess.Popen, peak_kb: list[int]) -> None:
    """The child's VmHWM (peak RSS), read until it exits. Not getrusage: a child started by
    vfork/exec inherits the parent's peak in ru_maxrss, which would show the harness's size."""
    status = Path(f"/proc/{proc.pid}/status")
    while proc.returncode is None:  # set once the main thread has reaped it
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb[0] = max(peak_kb[0], int(line.split()[1]))
        except (OSError, ValueError, IndexError):
            pass
        time.sleep(PEAK_POLL_S)


@dataclass
class Measured:
    """The samples of one variant and their median."""

    name: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def median_s(self) -> float:
        return statistics.median(s.wall_s for s in self.samples)

    @property
    def walls(self) -> list[float]:
        return [s.wall_s for s in self.samples]

    @property
    def median_cpu_s(self) -> float:
        return statistics.median(s.cpu_s for s in self.samples)

    @property
    def least_s(self) -> float:
        """The least disturbed sample's wall time: another process's load only ever adds to it."""
        return min(s.wall_s for s in self.samples)

    @property
    def least_cpu_s(self) -> float:
        return min(s.cpu_s for s in self.samples)

    def median_of(self, attribute: str) -> float | None:
        values = [getattr(s, attribute) for s in self.samples]
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    @property
    def max_rss_mb(self) -> float:
        return max(s.max_rss_mb for s in self.samples)
