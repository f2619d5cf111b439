"""opsverify's speed, as ratios within ONE run (issue 10): the product and its plain-pytest baselines
against the same targets, at no added delay and behind a ≈50 ms round trip, each ratio printed
next to its target with PASS/FAIL.

    python -m benchmarks [--repeat 3] [--delay-ms 25] [--quick] [--only mixed,fleet] [--strict]

Absolute times depend on the machine and its load; ratios between variants measured in the same
run, interleaved (repeat 1 of every variant, then repeat 2, ...), are what the targets are about.
Exit code 0 even with FAILs (it is a report), unless --strict.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import measure, projects
from .measure import Measured, RunFailed, Sample
from .projects import Project, System
from .targets import DelayProxy, HttpTarget, Loop, Postgres

ROOT = Path(__file__).resolve().parent.parent
PYTEST = ["-m", "pytest", "-p", "no:cacheprovider", "-q"]
PRODUCT = [*PYTEST, "-m", "postdeploy", "--env", "bench"]
SECTIONS = ("startup", "mixed", "http", "scale", "fleet", "demo")
DEMO_PACKAGES = ("opsverify_demo",)
DRIVERS = ("psycopg", "httpx", "sqlglot", "boto3", "botocore", "redis", "cryptography", "jwt")


@dataclass(frozen=True)
class Sizes:
    schema: int  # the 250 mixed items: schema + sql + http
    sql: int
    http: int
    scale: tuple[int, ...]  # schema items in the scale series
    fleet: int  # databases in the fleet, one system each
    fleet_schema: int = 5  # per database: catalog items ...
    fleet_sql: int = 5  # ... and SQL items

    @property
    def mixed(self) -> int:
        return self.schema + self.sql + self.http


FULL = Sizes(schema=150, sql=50, http=50, scale=(250, 500, 1000), fleet=200)
QUICK = Sizes(schema=30, sql=10, http=10, scale=(50, 100, 200), fleet=20)


@dataclass
class Variant:
    key: str
    label: str
    cwd: Path
    args: list[str]
    items: int | None  # tests that must pass (or be collected; None: any): a run that does less measures nothing
    delay_ms: float
    env: dict[str, str] = field(default_factory=dict)
    repeat: int = 1
    collect_only: bool = False
    python_flags: tuple[str, ...] = ()
    after: Callable[[Sample], None] | None = None
    reports: Path | None = None  # a product's archives: a new folder under it for each run (see `command`)

    def command(self, run: int) -> list[str]:
        """The arguments of the variant's `run`-th run. A product's archive goes to a folder no run used before,
        nothing emptied between runs: the fleet's archive writes ~4,000 files, and on ext4 without a journal each
        file created scans past the inodes freed in the last seconds to minutes (the kernel's `recently_deleted`),
        so deleting the previous run's archive just before a run multiplied its kernel time (≈ 1.8 s of the fleet's
        CPU, in its archive writer). The folder is as empty as before for the product (no earlier archive to chain
        to or keep); all of them go with the benchmark's temporary folder, after the last run."""
        if self.reports is None:
            return self.args
        # `--opt=value`: as a separate word, an existing folder outside the project counts as a path
        # to test when pytest picks its rootdir (before plugins add their options), moving the rootdir
        return [*self.args, f"--reports-dir={self.reports / f'run-{run}'}"]


@dataclass
class Row:
    metric: str
    measured: str
    target: str
    verdict: str  # PASS | FAIL | info
    how: str = ""


def slope(xs: list[int], ys: list[float]) -> float:
    """The least-squares slope of ys over xs."""
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    return (sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
            / sum((x - mean_x) ** 2 for x in xs))


class Bench:
    def __init__(self, args: argparse.Namespace, sizes: Sizes, tmp: Path) -> None:
        self.args = args
        self.sizes = sizes
        self.tmp = tmp
        self.delay_ms = args.delay_ms
        self.results: dict[str, Measured] = {}
        self.failures: dict[str, str] = {}
        self.extra: dict[str, object] = {}
        self.warmed: set[str] = set()
        self.runs = 0  # runs started: each product run archives into a folder of its own
        self._mixed: Project | None = None
        self.loop: Loop | None = None
        self.pg: Postgres | None = None

    # -- targets ---------------------------------------------------------------------------------------
    def start(self) -> None:
        started = time.monotonic()
        self.loop = Loop()
        self.pg = Postgres()
        self.pg.start(mixed_tables=max(self.sizes.schema, self.sizes.sql), scale_tables=max(self.sizes.scale),
                      fleet_size=self.sizes.fleet, fleet_tables=max(self.sizes.fleet_schema, self.sizes.fleet_sql))
        self.http = HttpTarget(self.loop)
        self.pg_proxy = DelayProxy(self.loop, self.pg.port)
        self.http_proxy = DelayProxy(self.loop, self.http.port)
        self.web_url = f"http://127.0.0.1:{self.http_proxy.port}"
        self.baselines = projects.write_baselines(self.tmp / "baselines")
        say(f"targets ready in {time.monotonic() - started:.1f} s: PostgreSQL {self.pg.port} "
            f"(proxy {self.pg_proxy.port}), HTTP {self.http.port} (proxy {self.http_proxy.port})")

    def stop(self) -> None:
        pg, self.pg = self.pg, None
        loop, self.loop = self.loop, None
        try:
            if pg is not None:
                pg.stop()
        finally:
            if loop is not None:
                loop.close()

    def targets_cpu_s(self) -> float:
        """The CPU the targets have used: they share this machine's CPUs with the run being measured."""
        assert self.pg is not None and self.loop is not None
        return self.pg.cpu_s() + self.loop.cpu_s()

    def database_url(self, name: str) -> str:
        assert self.pg is not None
        return self.pg.url(name, self.pg_proxy.port)

    # -- running variants --------------------------------------------------------------------------------
    def run(self, variants: list[Variant]) -> None:
        """Interleaved: the first repeat of every variant, then the second, ... (load drifts hit all alike)."""
        for v in variants:  # one untimed run of each program first: its bytecode (and pytest's rewritten
            program = program_of(v)  # modules) cached, as on any machine that ran it before
            if program not in self.warmed:
                self.warmed.add(program)
                self._once(v)
        for round_ in range(max((v.repeat for v in variants), default=0)):
            for v in variants:
                if round_ >= v.repeat or v.key in self.failures:
                    continue
                sample = self._once(v)
                if sample is None:
                    continue
                if v.after is not None:
                    v.after(sample)
                self.results.setdefault(v.key, Measured(v.label)).samples.append(sample)
                say(f"{sample.wall_s:7.2f} s  {v.label}")

    def _once(self, v: Variant) -> Sample | None:
        self.pg_proxy.delay_s = self.http_proxy.delay_s = v.delay_ms / 1000
        self.pg_proxy.reset()
        self.http_proxy.reset()
        self.runs += 1
        before = self.targets_cpu_s()
        sample = measure.run(v.command(self.runs), v.cwd, v.env, python_flags=v.python_flags)
        sample.targets_cpu_s = self.targets_cpu_s() - before
        try:
            self._validate(v, sample)
        except RunFailed as exc:
            self.failures[v.key] = str(exc)
            say(f"FAILED  {v.label}: {str(exc).splitlines()[0]}")
            return None
        return sample

    @staticmethod
    def _validate(v: Variant, sample: Sample) -> None:
        counts = sample.counts()
        if v.collect_only:
            done = counts.get("tests collected", counts.get("test collected"))
            ok = sample.code == 0 and done is not None and v.items in (None, done)
        else:
            ok = sample.code == 0 and counts.get("passed") == v.items
        if not ok:
            tail = "\n".join(sample.output.splitlines()[-25:])
            raise RunFailed(f"exit {sample.code}, {counts or 'no summary'}; expected {v.items} "
                            f"{'collected' if v.collect_only else 'passed'}\n{tail}")

    def measured(self, key: str) -> Measured | None:
        return self.results.get(key)

    # -- variants of each section ---------------------------------------------------------------------------
    def product(self, key: str, label: str, project: Project, delay_ms: float, *extra: str,
                repeat: int | None = None, **kw) -> Variant:
        # archives go outside the project folder, a new folder for each run (Variant.command): pytest walks every
        # folder under the rootdir, and a growing reports/ would slow each run down more than the last
        reports = self.tmp / "reports" / key.replace("/", "-")
        return Variant(key, label, project.root, [*PRODUCT, *extra], project.items,
                       delay_ms, env=project.variables, repeat=repeat or self.args.repeat, reports=reports, **kw)

    def all_reporters(self, project: Project) -> tuple[str, ...]:
        """Archive (results.json, manifest) with Allure results inside it, and JUnit XML."""
        return (f"--junitxml={self.tmp / 'junit' / project.root.name}.xml",)

    def baseline(self, key: str, label: str, test_file: str, checks: list[dict], delay_ms: float, *,
                 database: str | None = None, repeat: int | None = None) -> Variant:
        """A plain pytest file of `baselines/` checking `checks` (written to the JSON spec it reads)."""
        spec = projects.write_spec(self.tmp / f"spec-{key.replace('/', '-')}.json", checks)
        env = {"BENCH_SPEC": str(spec), "BENCH_WEB_URL": self.web_url,
               "BENCH_DATABASE_URL": self.database_url(database) if database else ""}
        return Variant(key, label, self.baselines, [*PYTEST, test_file], len(checks), delay_ms, env=env,
                       repeat=repeat or self.args.repeat)

    def trivial(self, key: str, label: str, test_file: str, items: int, **kw) -> Variant:
        """pytest's floor: a file of `items` tests that do nothing (no target, no delay)."""
        return Variant(key, label, self.baselines, [*PYTEST, test_file], items, 0.0, env={"BENCH_ITEMS": str(items)},
                       repeat=self.args.repeat, **kw)

    def delays(self) -> tuple[float, float]:
        return 0.0, self.delay_ms

    def mixed_checks(self) -> list[dict]:
        s = self.sizes
        return projects.schema_checks(s.schema) + projects.sql_checks(s.sql) + projects.http_checks(s.http)

    def mixed_project(self) -> Project:
        assert self.pg is not None
        if self._mixed is None:
            self._mixed = Project(
                self.tmp / "mixed", [System("shop", self.mixed_checks(), "BENCH_DATABASE_URL", "BENCH_WEB_URL")],
                {"BENCH_DATABASE_URL": self.database_url(self.pg.names.mixed), "BENCH_WEB_URL": self.web_url}).write()
        return self._mixed

    def section_startup(self) -> list[Variant]:
        mixed = self.mixed_project()
        floor = self.trivial("startup/floor", "plain pytest, one trivial test", "test_floor.py", 1,
                             after=self.exit_time("floor"))
        return [floor,
                self.product("startup/collect", f"opsverify --collect-only, {mixed.items} items", mixed, 0,
                             "--collect-only", collect_only=True)]

    def importtime(self) -> None:
        """Which modules a non-demo --collect-only loads beyond plain pytest's (one run each, -X importtime)."""
        mixed = self.mixed_project()
        floor = self.trivial("startup/floor-importtime", "floor -X importtime", "test_floor.py", 1)
        collect = self.product("startup/collect-importtime", "collect -X importtime", mixed, 0, "--collect-only")
        loaded = {}
        for variant in (floor, collect):
            sample = measure.run(variant.command(0), variant.cwd, variant.env, python_flags=("-X", "importtime"))
            loaded[variant.key] = imported_modules(sample)
        floor_mods, collect_mods = loaded["startup/floor-importtime"], loaded["startup/collect-importtime"]
        extra = {name: us for name, us in collect_mods.items() if name not in floor_mods}
        by_package: dict[str, int] = {}
        for name, us in extra.items():
            by_package[name.split(".")[0]] = by_package.get(name.split(".")[0], 0) + us
        self.extra["importtime"] = {
            "extra_modules": len(extra),
            "extra_self_ms": sum(extra.values()) / 1000,
            "top_packages_ms": {k: v / 1000 for k, v in sorted(by_package.items(), key=lambda kv: -kv[1])[:8]},
            "demo_modules": sorted(n for n in collect_mods if n.split(".")[0] in DEMO_PACKAGES),
            "drivers": sorted({n.split(".")[0] for n in collect_mods if n.split(".")[0] in DRIVERS}),
        }

    def section_mixed(self) -> list[Variant]:
        mixed = self.mixed_project()
        checks = self.mixed_checks()
        assert self.pg is not None
        variants = []
        for delay in self.delays():
            tag = f"@{2 * delay:g}ms"
            variants += [
                self.product(f"mixed/product{tag}", f"opsverify, {mixed.items} mixed, all reporters, {rtt(delay)}",
                             mixed, delay, *self.all_reporters(mixed), after=self.exit_time("mixed")),
                self.product(f"mixed/no-archive{tag}", f"opsverify --no-archive, {mixed.items} mixed, {rtt(delay)}",
                             mixed, delay, "--no-archive"),
                self.baseline(f"mixed/batched{tag}", f"batched pytest, {mixed.items} mixed, {rtt(delay)}",
                              "test_batched.py", checks, delay, database=self.pg.names.mixed),
                self.baseline(f"mixed/naive{tag}", f"naive pytest, {mixed.items} mixed, {rtt(delay)}",
                              "test_naive.py", checks, delay, database=self.pg.names.mixed,
                              repeat=self.args.naive_repeat if delay else None),
            ]
        return variants

    def section_http(self) -> list[Variant]:
        checks = projects.http_checks(self.sizes.http)
        project = Project(self.tmp / "http", [System("shop", checks, web_variable="BENCH_WEB_URL")],
                          {"BENCH_WEB_URL": self.web_url}).write()
        variants = []
        for delay in self.delays():
            tag = f"@{2 * delay:g}ms"
            variants += [
                self.product(f"http/product{tag}", f"opsverify, {len(checks)} HTTP, all reporters, {rtt(delay)}",
                             project, delay, *self.all_reporters(project)),
                self.baseline(f"http/sequential{tag}", f"httpx.get per test, {len(checks)} HTTP, {rtt(delay)}",
                              "test_naive.py", checks, delay),
            ]
        return variants

    def section_scale(self) -> list[Variant]:
        assert self.pg is not None
        variants = []
        for n in self.sizes.scale:
            checks = projects.schema_checks(n)
            project = Project(self.tmp / f"scale-{n}", [System("shop", checks, "BENCH_DATABASE_URL")],
                              {"BENCH_DATABASE_URL": self.database_url(self.pg.names.scale)}).write()
            variants.append(self.trivial(f"scale/trivial/{n}", f"pytest, {n} trivial parametrized tests",
                                         "test_trivial.py", n))
            for delay in self.delays():
                tag = f"@{2 * delay:g}ms"
                variants += [
                    self.product(f"scale/product/{n}{tag}", f"opsverify, {n} schema, all reporters, {rtt(delay)}",
                                 project, delay, *self.all_reporters(project)),
                    self.baseline(f"scale/batched/{n}{tag}", f"batched pytest, {n} schema, {rtt(delay)}",
                                  "test_batched.py", checks, delay, database=self.pg.names.scale),
                ]
            if n in (min(self.sizes.scale), max(self.sizes.scale)):  # the per-item cost without the archive's share
                variants.append(self.product(f"scale/no-archive/{n}@0ms", f"opsverify --no-archive, {n} schema, "
                                             "JUnit only, no delay", project, 0.0, "--no-archive",
                                             *self.all_reporters(project)))
        return variants

    def fleet_checks(self) -> list[dict]:
        return projects.schema_checks(self.sizes.fleet_schema) + projects.sql_checks(self.sizes.fleet_sql)

    def fleet_project(self, name: str, count: int, *, own_passwords: bool = False) -> Project:
        """`count` databases, one system each; with own_passwords each is reached by a role and password of its
        own (as a real fleet's databases are), which the run registers as secrets one database at a time."""
        assert self.pg is not None
        pg = self.pg
        systems = [System(f"db-{i:03d}", self.fleet_checks(), f"FLEET_{i:03d}_DATABASE_URL") for i in range(1, count + 1)]
        variables = {f"FLEET_{i:03d}_DATABASE_URL": (pg.own_url(i, self.pg_proxy.port) if own_passwords
                                                     else self.database_url(pg.names.fleet(i)))
                     for i in range(1, count + 1)}
        return Project(self.tmp / name, systems, variables, concurrency=self.args.fleet_concurrency).write()

    def section_fleet(self) -> list[Variant]:
        fleet = self.fleet_project("fleet", self.sizes.fleet)
        own = self.fleet_project("fleet-own", self.sizes.fleet, own_passwords=True)
        single = self.fleet_project("single", 1)
        delay = self.delay_ms
        self.extra["fleet_peak_connections"] = 0

        def peak(sample: Sample) -> None:
            self.extra["fleet_peak_connections"] = max(int(self.extra["fleet_peak_connections"]), self.pg_proxy.peak)
            self.exit_time("fleet")(sample)

        shard = self.product("fleet/shard", f"opsverify --shard 1/4 of the fleet, {rtt(delay)}", fleet, delay,
                             "--shard", "1/4", *self.all_reporters(fleet))
        shard.items = len(range(0, self.sizes.fleet, 4)) * len(self.fleet_checks())
        return [
            self.product("fleet/single", f"opsverify, 1 database × {single.items} items, {rtt(delay)}", single, delay,
                         *self.all_reporters(single)),
            self.product("fleet/fleet", f"opsverify, {self.sizes.fleet} databases × {len(self.fleet_checks())} items, "
                         f"{rtt(delay)}", fleet, delay, *self.all_reporters(fleet), after=peak),
            self.product("fleet/own", f"opsverify, the fleet with a password per database, {rtt(delay)}", own, delay,
                         *self.all_reporters(own)),
            shard,
        ]

    def section_demo(self) -> list[Variant]:
        reports = self.tmp / "demo-reports"
        variant = Variant("demo/collect", "opsverify --env demo --collect-only (demo start)", ROOT,
                          [*PYTEST, "-m", "postdeploy", "--env", "demo", "--collect-only", "--no-archive",
                           f"--reports-dir={reports}"], None, 0, repeat=self.args.repeat, collect_only=True,
                          after=self.exit_time("demo"))
        return [variant]

    def exit_time(self, name: str) -> Callable[[Sample], None]:
        def record(sample: Sample) -> None:
            self.extra.setdefault(f"exit/{name}", []).append(sample.exit_after_summary_s)
        return record

    # -- the report ----------------------------------------------------------------------------------------
    def rows(self) -> list[Row]:
        rows: list[Row] = []
        for part in (self.startup_rows, self.per_item_rows, self.ratio_rows, self.scale_rows, self.fleet_rows,
                     self.demo_and_exit_rows):
            rows += part()
        rows += [Row(f"run failed: {key}", "—", "runs and passes", "FAIL", message.splitlines()[0])
                 for key, message in self.failures.items()]
        return rows

    def startup_rows(self) -> list[Row]:
        rows = []
        floor, collect = self.measured("startup/floor"), self.measured("startup/collect")
        if floor and collect:
            delta = collect.median_s - floor.median_s
            rows.append(Row(f"start-up: --collect-only {self.sizes.mixed} items − plain pytest 1 test",
                            f"{delta:+.2f} s", "≤ 0.30 s", verdict(delta <= 0.3),
                            f"{collect.median_s:.2f} s − {floor.median_s:.2f} s"))
        it = self.extra.get("importtime")
        if isinstance(it, dict):
            top = ", ".join(f"{k} {v:.0f}" for k, v in it["top_packages_ms"].items())
            rows += [
                Row("start-up: demo modules loaded by a non-demo run", str(len(it["demo_modules"])), "0",
                    verdict(not it["demo_modules"]), ", ".join(it["demo_modules"][:5])),
                Row("start-up: drivers loaded by --collect-only", ", ".join(it["drivers"]) or "none", "none",
                    verdict(not it["drivers"]), "-X importtime"),
                Row("start-up: imports beyond plain pytest's", f"{it['extra_self_ms']:.0f} ms", "", "info",
                    f"{it['extra_modules']} modules; ms by package: {top}"),
            ]
        return rows

    def per_item_rows(self) -> list[Row]:
        """opsverify's own cost per item on top of pytest's, at no delay, all reporters on: the slope 250→1,000 of
        the medians (as issue 10 measures: medians of 3), and beside it, for the spread, the least-squares slope over
        every scale size of each size's fastest run. Neither is steady on a shared machine: the two differ by more
        than the margin in one run, and either moves by ±0.3 ms from one run to the next."""
        sizes = sorted(self.sizes.scale)
        lo, hi = sizes[0], sizes[-1]
        product = [self.measured(f"scale/product/{n}@0ms") for n in sizes]
        trivial = [self.measured(f"scale/trivial/{n}") for n in sizes]
        if not all(product) or not all(trivial):
            return []
        product_ms = slope([lo, hi], [product[0].median_s, product[-1].median_s]) * 1000
        floor_ms = slope([lo, hi], [trivial[0].median_s, trivial[-1].median_s]) * 1000
        product_cpu = slope([lo, hi], [product[0].median_cpu_s, product[-1].median_cpu_s]) * 1000
        floor_cpu = slope([lo, hi], [trivial[0].median_cpu_s, trivial[-1].median_cpu_s]) * 1000
        fastest = (slope(sizes, [m.least_s for m in product]) - slope(sizes, [m.least_s for m in trivial])) * 1000
        rows = [Row("per item, all reporters, fastest runs", f"{fastest:.2f} ms", "", "info",
                    f"least-squares over {', '.join(map(str, sizes))} items of each size's fastest of "
                    f"{len(product[0].samples)}, opsverify − pytest")]
        n_lo, n_hi = self.measured(f"scale/no-archive/{lo}@0ms"), self.measured(f"scale/no-archive/{hi}@0ms")
        if n_lo and n_hi:  # where the per-item cost is: the archive's share, and the rest
            bare_ms = slope([lo, hi], [n_lo.median_s, n_hi.median_s]) * 1000
            rows.append(Row("per item, --no-archive (JUnit only), local", f"{bare_ms - floor_ms:.2f} ms", "", "info",
                            f"the archive (Allure results, results.json, its last scrub for secrets, the seal) adds "
                            f"{product_ms - bare_ms:.2f} ms/item to opsverify's {product_ms:.2f}"))
        return [
            Row("per item, all reporters (archive, Allure, JUnit), local", f"{product_ms - floor_ms:.2f} ms",
                "≤ 0.50 ms", verdict(product_ms - floor_ms <= 0.5),
                f"wall, medians: (opsverify {lo}→{hi} schema items, no delay: {product_ms:.2f} ms/item) − "
                f"(pytest {lo}→{hi} trivial tests: {floor_ms:.2f} ms/item)"),
            Row("per item, all reporters, CPU time", f"{product_cpu - floor_cpu:.2f} ms", "", "info",
                f"the same with user+system CPU (the archive writer's on the other CPU included): "
                f"{product_cpu:.2f} − {floor_cpu:.2f} ms/item"),
            *rows,
        ]

    def ratio_rows(self) -> list[Row]:
        m, s, d = self.measured, self.sizes, self.delay_ms
        at, hi = f"@{2 * d:g}ms", max(s.scale)
        rows: list[Row] = []
        ratio_row(rows, f"{s.mixed} mixed items {rtt(d)}: opsverify / batched pytest", m(f"mixed/product{at}"),
                  m(f"mixed/batched{at}"), "≤ 1.2×", lambda r: r <= 1.2)
        ratio_row(rows, f"{s.mixed} mixed items, no delay: opsverify / batched pytest", m("mixed/product@0ms"),
                  m("mixed/batched@0ms"), "", None)
        ratio_row(rows, f"{s.mixed} mixed {rtt(d)}: opsverify --no-archive / batched", m(f"mixed/no-archive{at}"),
                  m(f"mixed/batched{at}"), "", None)
        ratio_row(rows, f"{s.mixed} mixed {rtt(d)}: naive (connection per check) / opsverify", m(f"mixed/naive{at}"),
                  m(f"mixed/product{at}"), "", None)
        ratio_row(rows, f"{s.http} HTTP items {rtt(d)}: httpx.get per test / opsverify", m(f"http/sequential{at}"),
                  m(f"http/product{at}"), "≥ 5×", lambda r: r >= 5)
        ratio_row(rows, f"{hi} schema items {rtt(d)}: opsverify / batched pytest", m(f"scale/product/{hi}{at}"),
                  m(f"scale/batched/{hi}{at}"), "≤ 1.5×", lambda r: r <= 1.5)
        return rows

    def scale_rows(self) -> list[Row]:
        """Time per extra item behind the delay: the least-squares slope, and each segment's."""
        sizes, at = list(self.sizes.scale), f"@{2 * self.delay_ms:g}ms"
        product = {n: self.measured(f"scale/product/{n}{at}") for n in sizes}
        if len(sizes) < 3 or not all(product.values()):
            return []
        segments = [(a, b, (product[b].median_s - product[a].median_s) / (b - a) * 1000)
                    for a, b in zip(sizes, sizes[1:])]
        first, last = segments[0][2], segments[-1][2]
        rows = [Row(f"scale {rtt(self.delay_ms)}: time per extra item",
                    f"{least_squares_ms(sizes, [product[n].median_s for n in sizes]):.2f} ms/item",
                    "flat: last segment ≤ 1.5× first (+0.2 ms)", verdict(last <= 1.5 * max(first, 0) + 0.2),
                    "segments " + ", ".join(f"{a}→{b}: {ms:.2f}" for a, b, ms in segments) + " ms/item")]
        batched = {n: self.measured(f"scale/batched/{n}{at}") for n in sizes}
        if all(batched.values()):
            rows.append(Row(f"scale {rtt(self.delay_ms)}: batched pytest per extra item",
                            f"{least_squares_ms(sizes, [batched[n].median_s for n in sizes]):.2f} ms/item", "", "info"))
        return rows

    def fleet_rows(self) -> list[Row]:
        fleet, single, shard = self.measured("fleet/fleet"), self.measured("fleet/single"), self.measured("fleet/shard")
        rows: list[Row] = []
        ratio_row(rows, f"fleet {self.sizes.fleet} databases {rtt(self.delay_ms)}: fleet / single database", fleet,
                  single, "≤ 3×", lambda r: r <= 3)
        if fleet:
            peak, bound = int(self.extra.get("fleet_peak_connections", 0)), self.args.fleet_concurrency
            rows += [
                Row("fleet: most database connections open at once", str(peak), f"≤ {bound} (concurrency)",
                    verdict(0 < peak <= bound), "counted by the proxy, as the client holds them"),
                Row("fleet: peak memory (RSS) of the pytest process", f"{fleet.max_rss_mb:.0f} MB", "reported", "info",
                    f"single database: {single.max_rss_mb:.0f} MB" if single else ""),
            ]
            if shard:
                rows.append(Row("fleet: --shard 1/4 wall time", f"{shard.median_s:.2f} s", "", "info",
                                f"whole fleet {fleet.median_s:.2f} s"))
            own = self.measured("fleet/own")
            if own:  # the fleet's row shares one password: the secrets a fleet of its own passwords adds, apart
                rows.append(Row("fleet: a password per database", f"{own.median_s:.2f} s", "", "info",
                                f"{own.median_s - fleet.median_s:+.2f} s wall, "
                                f"{own.median_cpu_s - fleet.median_cpu_s:+.2f} s CPU against one shared password"))
            rows.append(self.cpu_floor_row(fleet, single))
        return rows

    @staticmethod
    def cpu_floor_row(fleet: Measured, single: Measured | None) -> Row:
        """The fleet's servers run on the machine that runs the suite: the CPU the run and they need,
        spread over every CPU, is a wall time no scheduling can beat (in production the targets'
        CPU is theirs, not the runner's)."""
        tool, targets = fleet.median_cpu_s, fleet.median_of("targets_cpu_s") or 0.0
        cpus = len(os.sched_getaffinity(0))
        floor = (tool + targets) / cpus
        ratio = f", {floor / single.median_s:.1f}× the single database" if single else ""
        return Row("fleet: CPU used, opsverify + targets (PostgreSQL, proxy)", f"{tool:.1f} s + {targets:.1f} s",
                   "reported", "info", f"on {cpus} CPUs no run can take less than {floor:.2f} s{ratio}")

    def demo_and_exit_rows(self) -> list[Row]:
        rows: list[Row] = []
        demo = self.measured("demo/collect")
        ready = [r for sample in demo.samples if (r := sample.demo_ready())] if demo else []
        if ready:
            value = median([plugin_s for plugin_s, _ in ready])
            rows.append(Row("demo: ready from the first line", f"{value:.1f} s", "≤ 2 s", verdict(value <= 2.0),
                            f"plugin's 'demo ready in X s'; {median([at for _, at in ready]):.1f} s from launch"))
        exits = {name: [v for v in self.extra.get(f"exit/{name}", []) if v is not None]
                 for name in ("floor", "mixed", "fleet", "demo")}
        plain = f"; plain pytest, one test: {median(exits['floor']) * 1000:.0f} ms" if exits["floor"] else ""
        for name in ("mixed", "fleet", "demo"):
            if exits[name]:
                value = median(exits[name])
                rows.append(Row(f"exit after the summary line ({name} run)", f"{value * 1000:.0f} ms", "≤ 100 ms",
                                verdict(value <= 0.1), f"max {max(exits[name]) * 1000:.0f} ms of {len(exits[name])}{plain}"))
        return rows


# -- helpers ----------------------------------------------------------------------------------------------
def rtt(delay_ms: float) -> str:
    return f"{2 * delay_ms:g} ms RTT" if delay_ms else "no delay"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def median(values: list[float]) -> float:
    return statistics.median(values)


def program_of(v: Variant) -> str:
    """What a warm-up run compiles: a baseline's test file, the demo, or opsverify itself."""
    test_files = [a for a in v.args if a.endswith(".py")]
    if test_files:
        return test_files[0]
    return "demo" if "demo" in v.args else "opsverify"


def ratio_row(rows: list[Row], metric: str, top: Measured | None, bottom: Measured | None, target: str,
              test: Callable[[float], bool] | None) -> None:
    if not (top and bottom):
        return
    ratio = top.median_s / bottom.median_s
    rows.append(Row(metric, f"{ratio:.2f}×", target, verdict(test(ratio)) if test else "info",
                    f"{top.median_s:.2f} s / {bottom.median_s:.2f} s"))


def least_squares_ms(xs: list[int], ys: list[float]) -> float:
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)
    return slope * 1000


def imported_modules(sample: Sample) -> dict[str, int]:
    """module -> self µs, from -X importtime's stderr lines."""
    found = {}
    for _, line in sample.stderr:
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            found[match.group(2)] = int(match.group(1))
    return found


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def print_report(bench: Bench, rows: list[Row], started: dt.datetime, loads: tuple[str, str]) -> None:
    print()
    print(f"opsverify benchmark, {started:%Y-%m-%d %H:%M} UTC, {platform.python_implementation()} "
          f"{platform.python_version()}, {os.cpu_count()} CPUs, load average {loads[0]} at start, {loads[1]} at end")
    print(f"median of {bench.args.repeat} (interleaved); delay {bench.delay_ms:g} ms each way = "
          f"{2 * bench.delay_ms:g} ms RTT through a userspace proxy; PostgreSQL (SCRAM over TCP) and HTTP on 127.0.0.1")
    print()
    width = max(len(m.name) for m in bench.results.values()) if bench.results else 20
    print(f"{'run':<{width}}  {'median':>8}  {'samples (s)':<20}  {'CPU':>7}  {'peak RSS':>8}")
    for measured in bench.results.values():
        samples = " ".join(f"{w:.2f}" for w in measured.walls)
        print(f"{measured.name:<{width}}  {measured.median_s:7.2f}s  {samples:<20}  {measured.median_cpu_s:6.2f}s"
              f"  {measured.max_rss_mb:6.0f}MB")
    print()
    widths = [max(len(r.metric) for r in rows), max(len(r.measured) for r in rows), max(len(r.target) for r in rows)]
    print(f"{'metric':<{widths[0]}}  {'measured':>{widths[1]}}  {'target':<{widths[2]}}  verdict  how")
    for r in rows:
        print(f"{r.metric:<{widths[0]}}  {r.measured:>{widths[1]}}  {r.target:<{widths[2]}}  {r.verdict:<7}  {r.how}")


def load_average() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant; the median is reported (default 3)")
    parser.add_argument("--naive-repeat", type=int, default=1,
                        help="runs of the naive baseline behind the delay (≈100 s each at full size; default 1)")
    parser.add_argument("--delay-ms", type=float, default=25.0, help="added each way by the proxy (default 25)")
    parser.add_argument("--quick", action="store_true", help="small sizes (to check the harness, not the targets)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"sections to run (default: {','.join(SECTIONS)})")
    parser.add_argument("--fleet-size", type=int, help="databases in the fleet (default 200; --quick 20)")
    # a database costs at least six round trips (five to log in, one to ask): 300 ms at 50 ms RTT, so 200 of
    # them take 7 waves (2.1 s) at 32 at once — more than the target leaves after start-up — and 4 at 64
    parser.add_argument("--fleet-concurrency", type=int, default=64, help="the fleet environment's concurrency")
    parser.add_argument("--json", type=Path, help="also write the runs and rows as JSON here")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"--only: unknown section(s) {', '.join(sorted(unknown))} (known: {', '.join(SECTIONS)})")
    sizes = QUICK if args.quick else FULL
    if args.fleet_size:
        sizes = dataclasses.replace(sizes, fleet=args.fleet_size)
    if "fleet" not in sections:
        sizes = dataclasses.replace(sizes, fleet=0)  # no fleet databases to create

    started = dt.datetime.now(dt.timezone.utc)
    load_at_start = load_average()
    with tempfile.TemporaryDirectory(prefix="opsverify-bench-") as tmp:
        bench = Bench(args, sizes, Path(tmp))
        try:
            bench.start()
            for section in SECTIONS:
                if section not in sections:
                    continue
                say(f"-- {section}")
                bench.run(getattr(bench, f"section_{section}")())
                if section == "startup":
                    bench.importtime()
        finally:
            bench.stop()
    rows = bench.rows()
    print_report(bench, rows, started, (load_at_start, load_average()))
    if args.json:
        args.json.write_text(json.dumps({
            "started": started.isoformat(), "repeat": args.repeat, "delay_ms": args.delay_ms, "sizes": sizes.__dict__,
            "runs": {k: {"label": m.name, "median_s": m.median_s, "samples_s": m.walls, "cpu_s": m.median_cpu_s,
                         "targets_cpu_s": m.median_of("targets_cpu_s"),
                         "max_rss_mb": m.max_rss_mb}
                     for k, m in bench.results.items()},
            "rows": [r.__dict__ for r in rows], "failures": bench.failures,
        }, indent=2, default=str), encoding="utf-8")
    missed = any(r.verdict == "FAIL" for r in rows)
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    raise SystemExit(main())
