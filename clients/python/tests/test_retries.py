"""Retries and error mapping, against a scripted transport (no server needed)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from quire_client import (
    AsyncQuire,
    OutcomeUnknownError,
    QuireConnectionError,
    RateLimitedError,
    UnavailableError,
)

RUN = {
    "id": "run_1",
    "project": {"id": "prj_1", "slug": "p"},
    "pipeline": "p",
    "status": "RUNNING",
    "input": None,
    "variables": None,
    "output": None,
    "error": None,
    "model": None,
    "inputTokens": None,
    "outputTokens": None,
    "cost": None,
    "createdAt": "2026-01-31T09:30:00+00:00",
    "startedAt": "2026-01-31T09:30:00+00:00",
    "completedAt": None,
    "parent": None,
}


def error(code: str) -> dict[str, Any]:
    return {"data": None, "errors": [{"message": code.lower(), "extensions": {"code": code}}]}


def scripted(
    answers: list[Callable[[httpx.Request], httpx.Response]],
) -> tuple[AsyncQuire, list[dict[str, Any]]]:
    sent: list[dict[str, Any]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return answers[min(len(sent), len(answers)) - 1](request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    return AsyncQuire("http://quire.test", "qk_x", http_client=client, retry_backoff=0.001), sent


def answer(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _r: httpx.Response(status, json=body, headers=headers)


def test_unavailable_is_retried_with_the_same_idempotency_key() -> None:
    aq, sent = scripted(
        [
            answer(error("UNAVAILABLE")),
            answer(error("OUTCOME_UNKNOWN")),
            answer({"data": {"startRun": RUN}}),
        ]
    )
    run = asyncio.run(aq.start_run("prj_1", "p"))
    assert run.id == "run_1" and len(sent) == 3
    keys = {s["variables"]["input"]["idempotencyKey"] for s in sent}
    assert len(keys) == 1 and len(keys.pop()) == 36  # one generated UUID4


def test_outcome_unknown_is_not_retried_without_a_key() -> None:
    aq, sent = scripted([answer(error("OUTCOME_UNKNOWN")), answer({"data": {}})])
    with pytest.raises(OutcomeUnknownError) as exc:
        asyncio.run(aq.fail_run("run_1", "boom"))
    assert exc.value.code == "OUTCOME_UNKNOWN" and len(sent) == 1


def test_retries_give_up() -> None:
    aq, sent = scripted([answer(error("UNAVAILABLE"))])
    with pytest.raises(UnavailableError):
        asyncio.run(aq.start_run("prj_1", "p"))
    assert len(sent) == 4  # the first try and 3 retries


def test_rate_limited_reads_retry_after() -> None:
    aq, sent = scripted(
        [
            answer(error("RATE_LIMITED"), 429, {"Retry-After": "0.01"}),
            answer({"data": {"startRun": RUN}}),
        ]
    )
    assert asyncio.run(aq.start_run("prj_1", "p")).id == "run_1"
    aq2, _ = scripted([answer(error("RATE_LIMITED"), 429, {"Retry-After": "7"})])
    aq2._retries = 0
    with pytest.raises(RateLimitedError) as exc:
        asyncio.run(aq2.start_run("prj_1", "p"))
    assert exc.value.retry_after == 7.0 and exc.value.status_code == 429


def test_unreachable_server() -> None:
    aq = AsyncQuire("http://127.0.0.1:9", "qk_x", retries=1, retry_backoff=0.001)
    with pytest.raises(QuireConnectionError) as exc:
        asyncio.run(aq.viewer())
    assert exc.value.code == "NETWORK_ERROR"
