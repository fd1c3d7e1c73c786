"""The README's agent loop runs as written, against the demo project, while a
reviewer sends the first attempt back and approves the second; and the review
queue's live events."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from quire_client import ActorType, AsyncQuire, ProjectFields, Quire, Role, VersionStatus

from .conftest import Server

README = Path(__file__).resolve().parents[1] / "README.md"


def agent_loop_source() -> str:
    text = README.read_text()
    section = text.split("## An agent's loop", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "no python block under 'An agent's loop'"
    return match.group(1)


def test_readme_agent_loop(
    server: Server, admin: Quire, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = agent_loop_source()
    assert len(source.strip().splitlines()) <= 25
    writer = admin.create_token("readme-writer", Role.WRITER, actor_type=ActorType.AI)
    reviewer_token = admin.create_token(
        "readme-reviewer", Role.REVIEWER, actor_type=ActorType.HUMAN
    )
    source = source.replace('"http://127.0.0.1:8080"', repr(server.url))
    source = source.replace('"qk_..."', repr(writer.secret))
    monkeypatch.chdir(tmp_path)
    Path("voice-card.pdf").write_bytes(b"%PDF-1.4 a voice card")

    prompts: list[str] = []

    def my_llm(prompt: str) -> tuple[str, Any]:
        prompts.append(prompt)
        return f"Warm, plain, attempt {len(prompts)}", SimpleNamespace(input=100, output=20)

    stop = threading.Event()
    decisions: list[str] = []

    def review() -> None:
        with Quire(server.url, reviewer_token.secret) as r:
            while not stop.is_set():
                for edge in r.review_queue("acme-launch", first=100).edges:
                    v = edge.node
                    if v.schema_key != "brand.voice" or v.created_by.name != "readme-writer":
                        continue
                    if not decisions:
                        r.request_changes(v.id, feedback={"tone": "warmer"})
                        decisions.append("changes")
                    else:
                        r.approve(v.id)
                        decisions.append("approved")
                        return
                time.sleep(0.2)

    t = threading.Thread(target=review, daemon=True)
    t.start()
    printed: list[Any] = []
    try:
        exec(compile(source, str(README), "exec"), {"my_llm": my_llm, "print": printed.append})
    finally:
        stop.set()
        t.join(10)

    assert decisions == ["changes", "approved"]
    assert len(prompts) == 2 and "warmer" in prompts[1]
    assert printed and isinstance(printed[0], dict)
    with Quire(server.url, writer.secret) as q:
        voice = q.context("acme-launch").context
        assert voice is not None
        runs = q.search("Warm plain attempt", project="acme-launch")
        assert {e.node.status for e in runs.edges} == {
            VersionStatus.APPROVED,
            VersionStatus.CHANGES_REQUESTED,
        }
        version = next(e.node for e in runs.edges if e.node.status == VersionStatus.APPROVED)
        assert [f.filename for f in version.files] == ["voice-card.pdf"]
        assert version.source_run is not None
        run = q.get_run(version.source_run.id)
        assert run.status.value == "COMPLETED"
        assert (run.input_tokens, run.output_tokens) == (200, 40)


def test_review_queue_events(
    server: Server, writer: Quire, reviewer: Quire, project: ProjectFields, key: str
) -> None:
    async def main() -> list[tuple[str, str]]:
        seen: list[tuple[str, str]] = []
        async with AsyncQuire(server.url, server.admin_token) as aq:

            async def listen() -> None:
                async for ev in aq.review_queue_events(project.id):
                    if ev.version.schema_key == key:
                        seen.append((ev.change.value, ev.version.id))
                        if ev.change.value == "REMOVED":
                            return

            task = asyncio.create_task(listen())
            await asyncio.sleep(1.0)
            v = await asyncio.to_thread(writer.create_version, project.slug, key, {"q": 1})
            queue = await asyncio.to_thread(reviewer.review_queue, project.slug)
            assert v.id in [e.node.id for e in queue.edges]
            await asyncio.to_thread(reviewer.reject, v.id, reason="no")
            await asyncio.wait_for(task, 15)
            return [(c, i == v.id and "v" or i) for c, i in seen]

    assert asyncio.run(main()) == [("ADDED", "v"), ("REMOVED", "v")]
