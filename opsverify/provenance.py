"""What an archive says about how it was made: who ran it where, with what, and what was asked.

Pure functions of the process environment and pytest's options, so a manifest can be read without
guessing: a 14-item run of one system says so, and names the CI job that ran it.
"""

from __future__ import annotations

import getpass
import platform
import socket
import sys
from importlib import metadata
from typing import Any, Mapping

# the libraries that decide what a run sees and writes
DEPENDENCIES = ("pytest", "pytest-xdist", "allure-python-commons", "psycopg", "pydantic", "httpx", "pyyaml",
                "sqlparse", "sqlglot", "cryptography", "boto3", "redis", "prometheus-client", "pyjwt", "base58",
                "ahocorasick-rs", "pyahocorasick")  # the last two find the secrets the evidence masks


def runner(environ: Mapping[str, str]) -> dict[str, Any]:
    """The CI provider, its job URL and the actor when the provider says; else the local user and host."""
    get = environ.get
    if get("GITHUB_ACTIONS") == "true":
        server, repo, run = get("GITHUB_SERVER_URL", "https://github.com"), get("GITHUB_REPOSITORY"), get("GITHUB_RUN_ID")
        return _present(provider="github-actions", job_url=f"{server}/{repo}/actions/runs/{run}" if repo and run else None,
                        run_id=run, attempt=get("GITHUB_RUN_ATTEMPT"), workflow=get("GITHUB_WORKFLOW"),
                        actor=get("GITHUB_ACTOR"), ref=get("GITHUB_REF"))
    if get("GITLAB_CI") == "true":
        return _present(provider="gitlab-ci", job_url=get("CI_JOB_URL"), run_id=get("CI_PIPELINE_ID"),
                        actor=get("GITLAB_USER_LOGIN"), ref=get("CI_COMMIT_REF_NAME"))
    if get("BUILDKITE") == "true":
        return _present(provider="buildkite", job_url=get("BUILDKITE_BUILD_URL"), run_id=get("BUILDKITE_BUILD_NUMBER"),
                        actor=get("BUILDKITE_BUILD_CREATOR"), ref=get("BUILDKITE_BRANCH"))
    if get("CIRCLECI") == "true":
        return _present(provider="circleci", job_url=get("CIRCLE_BUILD_URL"), run_id=get("CIRCLE_BUILD_NUM"),
                        actor=get("CIRCLE_USERNAME"), ref=get("CIRCLE_BRANCH"))
    if get("JENKINS_URL"):
        return _present(provider="jenkins", job_url=get("BUILD_URL"), run_id=get("BUILD_NUMBER"),
                        actor=get("BUILD_USER_ID"), ref=get("GIT_BRANCH"))
    if get("CI"):
        return _present(provider="ci", actor=get("USER"))
    return _present(provider="local", actor=_user(), host=socket.gethostname())


def _present(**values: Any) -> dict[str, Any]:
    """The values given; bytes of the environment that are not UTF-8 (os.environ keeps them as lone
    surrogates, which no file can hold) read as U+FFFD."""
    return {k: v.encode("utf-8", "surrogateescape").decode("utf-8", "replace") if isinstance(v, str) else v
            for k, v in values.items() if v}


def _user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def dependency_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "platform": sys.platform}
    for name in DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def selection(option: Any, args: list[str], *, systems: tuple[str, ...], items: list[str],
              shard: str = "", args_given: bool = False) -> dict[str, Any]:
    """What the run was asked to check (pytest's -m, -k, paths; opsverify's --system, --item, --shard), and every
    option that took items out of what -m, --system and --shard take in (`narrowed_by`)."""
    return {
        "markexpr": getattr(option, "markexpr", "") or None,
        "keyword": getattr(option, "keyword", "") or None,
        "systems": list(systems),
        "items": list(items),
        "shard": shard or None,
        "paths": list(args),
        "workers": workers(option),
        "narrowed_by": narrowing(option, args if args_given else [], items),
    }


def workers(option: Any) -> int | str | None:
    """How many xdist workers run the items: one per `--tx` spec, `N*spec` being N, when a --dist mode (or `-d`)
    distributes them; else `-n` as given — xdist turns `-n N` into N `popen` specs and `-n auto` into a number, but
    maybe only after this is read — with 0 or None (no xdist) when the items run in this process."""
    specs = getattr(option, "tx", None) or []
    distributed = getattr(option, "dist", "no") != "no" or getattr(option, "distload", False)
    if not specs or not distributed:
        return getattr(option, "numprocesses", None)
    return sum(_spec_count(spec) for spec in specs)


def _spec_count(spec: str) -> int:
    """Workers of one --tx spec, as xdist reads it: `3*popen` is three, `popen//python=python3` one."""
    count, star, _ = spec.partition("*")
    return int(count) if star and count.isdigit() else 1


def narrowing(option: Any, args: list[str], items: list[str]) -> list[str]:
    """The command line's options that may leave items out: -k, --item, node ids, --deselect, --ignore, --lf, --sw
    (a run is partial where they did: see `ArchiveReporter.left_out`)."""
    found = [f"-k {option.keyword!r}"] if getattr(option, "keyword", "") else []
    found += [f"--item {item}" for item in items]
    found += [arg for arg in args if "::" in arg]  # a node id; a file or folder chooses systems, as --system does
    found += [f"--deselect {d}" for d in getattr(option, "deselect", None) or []]
    found += [f"--ignore {d}" for d in getattr(option, "ignore", None) or []]
    found += [f"--ignore-glob {d}" for d in getattr(option, "ignore_glob", None) or []]
    found += [flag for flag, attr in (("--lf", "lf"), ("--sw", "stepwise"), ("--sw-skip", "stepwise_skip"))
              if getattr(option, attr, False)]
    return found
