"""http: one request per item — status, JSON fields, body text, latency — sent concurrently."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from pydantic import Field, field_validator

from ..outcome import Outcome, error, verdict
from ..transports.http import SAFE_METHODS, Probe, Reply
from ._common import StrictParams, UrlPath

NAME = "http"
NEEDS = ("url",)


class Params(StrictParams):
    service: str
    path: UrlPath
    method: str = "GET"
    headers: dict[str, str] = {}
    status: int | list[int] = 200
    json_fields: dict[str, Any] = Field(default={}, alias="json")  # `json` in checklists
    json_max: dict[str, float] = {}  # numeric JSON fields at most this (e.g. a reported DB ping)
    body_excludes: list[str] = []
    body_includes: list[str] = []
    max_latency_ms: float | None = None

    @field_validator("method")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @property
    def statuses(self) -> list[int]:
        return [self.status] if isinstance(self.status, int) else list(self.status)


def validate_item(params: Params, mutating: bool) -> list[str]:
    if params.method not in SAFE_METHODS and not mutating:
        return [f"params.method: {params.method} is not a safe method; mark the item mutating: true"]
    return []


def gather(target, checks) -> dict[str, Reply]:
    probes = [
        Probe(
            method=c.params.method,
            url=target.url(c.params.service, c.params.path),
            headers=target.fill_secrets(c.params.headers),
            mutating=c.mutating,
            verify=target.verify_tls(c.params.service),
        )
        for c in checks
    ]
    replies = target.fetch_all(probes)
    return {c.key: (probe.url, reply) for c, probe, reply in zip(checks, probes, replies)}


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}{key}."))
        return out
    return {prefix[:-1]: data}


def json_problems(body: str, expected: dict[str, Any]) -> list[str]:
    try:
        document = json.loads(body)
    except ValueError:
        return ["body is not JSON"]
    flat = flatten(document)
    problems = []
    for path, wanted in expected.items():
        if any(ch in path for ch in "*?["):
            matches = {k: v for k, v in flat.items() if fnmatch.fnmatchcase(k, path)}
            if not matches:
                problems.append(f"no JSON field matches {path}")
            for key, value in matches.items():
                if value != wanted:
                    problems.append(f"{key} = {json.dumps(value)}")
        elif path not in flat:
            problems.append(f"JSON field {path} is missing")
        elif flat[path] != wanted:
            problems.append(f"{path} = {json.dumps(flat[path])}")
    return problems


def json_max_problems(body: str, bounds: dict[str, float]) -> list[str]:
    try:
        flat = flatten(json.loads(body))
    except ValueError:
        return ["body is not JSON"]
    problems = []
    for path, bound in bounds.items():
        value = flat.get(path)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            problems.append(f"JSON field {path} is {'missing' if value is None else 'not a number'}")
        elif value > bound:
            problems.append(f"{path} = {value:g}")
    return problems


def describe_reply(url: str, method: str, reply: Reply) -> dict[str, Any]:
    return {
        "request": f"{method} {url}",
        "status": reply.status,
        "elapsed_ms": reply.elapsed_ms,
        "body_start": reply.text[:300],
        **({"failure": reply.failure} if reply.failure else {}),
    }


def judge(check, facts) -> Outcome:
    p: Params = check.params
    url, reply = facts[check.key]
    wanted = " or ".join(map(str, p.statuses))
    expected = [f"{p.method} {p.path} answers {wanted}"]
    evidence = describe_reply(url, p.method, reply)
    if reply.status is None:  # a target that does not answer is not checked: error, never failed or passed
        return error(f"no answer from {p.service}: {reply.failure}", **evidence)
    problems = []
    if reply.status not in p.statuses:
        problems.append(f"status {reply.status}")
    if p.json_fields:
        expected.append("JSON " + ", ".join(f"{k}={json.dumps(v)}" for k, v in p.json_fields.items()))
        problems += json_problems(reply.text, p.json_fields)
    if p.json_max:
        expected.append("JSON " + ", ".join(f"{k} ≤ {v:g}" for k, v in p.json_max.items()))
        problems += json_max_problems(reply.text, p.json_max)
    for text in p.body_includes:
        expected.append(f"body contains '{text}'")
        if text not in reply.text:
            problems.append(f"body lacks '{text}'")
    for text in p.body_excludes:
        expected.append(f"body without '{text}'")
        if text in reply.text:
            problems.append(f"body contains '{text}'")
    if p.max_latency_ms is not None:
        expected.append(f"within {p.max_latency_ms:g} ms")
        if reply.elapsed_ms > p.max_latency_ms:
            problems.append(f"took {reply.elapsed_ms:g} ms")
    return verdict(", ".join(expected), problems, f"status {reply.status} in {reply.elapsed_ms:g} ms", **evidence)
