"""Every facade function against a real server (see conftest.py)."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from quire_client import (
    AsyncQuire,
    ConflictError,
    ContextTier,
    ForbiddenError,
    GenerationState,
    IdempotencyKeyReusedError,
    InvalidTransitionError,
    NotFoundError,
    ProjectFields,
    Quire,
    QuireConnectionError,
    QuireError,
    RunStatus,
    UnauthenticatedError,
    ValidationFailedError,
    VersionStatus,
    WaitTimeoutError,
)

from .conftest import Server


def later(delay: float, fn: object, *args: object, **kwargs: object) -> threading.Thread:
    """Calls fn(*args, **kwargs) in a thread after `delay` seconds."""
    assert callable(fn)

    def run() -> None:
        time.sleep(delay)
        fn(*args, **kwargs)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


# -- tokens and errors --------------------------------------------------------


def test_viewer_names_the_token(writer: Quire) -> None:
    me = writer.viewer()
    assert me.name == "writer-agent"
    assert me.type_.value == "AI"


def test_bad_token_is_unauthenticated(server: Server) -> None:
    with Quire(server.url, "qk_not-a-real-token", retries=0) as q:
        with pytest.raises(UnauthenticatedError) as exc:
            q.viewer()
    assert exc.value.code == "UNAUTHENTICATED"
    assert exc.value.status_code == 401
    assert isinstance(exc.value, QuireError)


def test_url_may_name_the_endpoint(server: Server) -> None:
    with Quire(server.url + "/graphql", server.admin_token) as q:
        assert q.graphql_url == server.url + "/graphql"
        assert q.ws_url.startswith("ws://") and q.ws_url.endswith("/graphql/ws")
        assert q.viewer().name == "demo-admin"


def test_error_codes(writer: Quire, reviewer: Quire, project: ProjectFields) -> None:
    with pytest.raises(ForbiddenError) as forbidden:
        reviewer.start_run(project.slug, "p")
    assert forbidden.value.code == "FORBIDDEN"
    assert forbidden.value.path == ["startRun"]

    with pytest.raises(NotFoundError) as missing:
        writer.start_run("prj_" + "0" * 32, "p")
    assert missing.value.code == "NOT_FOUND"

    with pytest.raises(NotFoundError):
        writer.project("no-such-project")

    with pytest.raises(ValidationFailedError) as invalid:
        writer.create_version(project.slug, "Not A Key!", {"a": 1})
    assert invalid.value.code == "VALIDATION_FAILED"

    with pytest.raises(NotFoundError):
        writer.get_run("run_" + "0" * 32)


# -- runs and steps -------------------------------------------------------------


def test_run_with_steps_keeps_the_tokens(writer: Quire, project: ProjectFields) -> None:
    run = writer.start_run(
        project.slug, "research", model="gpt-4o", input="find facts", variables={"depth": 2}
    )
    assert run.status == RunStatus.RUNNING
    assert run.project.id == project.id
    assert run.variables == {"depth": 2}

    s1 = writer.record_step(
        run.id,
        agent_id="planner",
        agent_name="Planner",
        output="a plan",
        input_tokens=1200,
        output_tokens=300,
    )
    s2 = writer.record_step(
        run.id,
        agent_id="writer",
        output="a draft",
        input_tokens=800,
        output_tokens=450,
        summary="drafted it",
    )
    assert (s1.order, s2.order) == (0, 1)
    assert s2.agent_name == "writer"
    assert s2.summary == "drafted it" and (s2.summary_token_count or 0) > 0
    assert s1.output_token_count and s1.output_token_count > 0

    done = writer.complete_run(run.id, output="facts")
    assert done.status == RunStatus.COMPLETED
    assert done.input_tokens == 2000 and done.output_tokens == 750
    assert isinstance(done.cost, Decimal) and done.cost > 0

    got = writer.get_run(run.id)
    assert [(s.order, s.agent_id, s.input_tokens, s.output_tokens) for s in got.steps] == [
        (0, "planner", 1200, 300),
        (1, "writer", 800, 450),
    ]
    assert got.output == "facts" and got.completed_at is not None

    with pytest.raises(InvalidTransitionError) as closed:
        writer.record_step(run.id, agent_id="late", order=5)
    assert closed.value.code == "INVALID_TRANSITION"


def test_run_by_project_id_and_step_order_resumes(
    writer: Quire, writer2: Quire, project: ProjectFields
) -> None:
    run = writer.start_run(project.id, "p")
    writer.record_step(run.id, agent_id="a", order=4)
    # Another client knows nothing of the run: it reads the last order once.
    s = writer2.record_step(run.id, agent_id="b")
    assert s.order == 5
    # The first client's count (5) is stale: it reads the steps again.
    assert writer.record_step(run.id, agent_id="a").order == 6
    with pytest.raises(ConflictError):
        writer.record_step(run.id, agent_id="c", order=4)


def test_idempotent_step_and_completion(writer: Quire, project: ProjectFields) -> None:
    run = writer.start_run(project.slug, "p", idempotency_key="start-" + uuid.uuid4().hex)
    k = uuid.uuid4().hex
    a = writer.record_step(run.id, agent_id="a", order=0, input_tokens=5, idempotency_key=k)
    b = writer.record_step(run.id, agent_id="a", order=0, input_tokens=5, idempotency_key=k)
    assert a.id == b.id
    ck = uuid.uuid4().hex
    c1 = writer.complete_run(run.id, input_tokens=10, output_tokens=1, idempotency_key=ck)
    c2 = writer.complete_run(run.id, input_tokens=10, output_tokens=1, idempotency_key=ck)
    assert c1.id == c2.id and c2.status == RunStatus.COMPLETED and c2.input_tokens == 10
    with pytest.raises(InvalidTransitionError):
        writer.complete_run(run.id)  # a new key: the run is closed


def test_fail_and_cancel(writer: Quire, project: ProjectFields) -> None:
    r1 = writer.start_run(project.slug, "p")
    assert writer.fail_run(r1.id, "model timed out").status == RunStatus.FAILED
    r2 = writer.start_run(project.slug, "p")
    cancelled = writer.cancel_run(r2.id, "not needed")
    assert cancelled.status == RunStatus.CANCELLED and cancelled.error == "not needed"


# -- versions and files -------------------------------------------------------------


def test_version_with_files_downloads_byte_equal(
    writer: Quire, project: ProjectFields, tmp_path: Path, key: str
) -> None:
    logo = tmp_path / "logo.png"
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    logo.write_bytes(png)
    notes = "notes\nwith ünïcode\n".encode()
    run = writer.start_run(project.slug, "designer")
    v = writer.create_version(
        project.slug,
        key,
        {"url": "logo.png", "colors": ["#1A365D"]},
        files=[logo, ("notes.txt", notes, "text/plain")],
        primary_file=0,
        run_id=run.id,
        annotations={"prompt": "flat"},
    )
    assert v.status == VersionStatus.PENDING and v.version_number == 1
    assert v.source_run is not None and v.source_run.id == run.id
    assert [f.filename for f in v.files] == ["logo.png", "notes.txt"]
    assert v.primary_file is not None and v.primary_file.id == v.files[0].id
    assert v.files[0].content_type == "image/png"
    assert v.files[0].sha_256 == hashlib.sha256(png).hexdigest()
    assert v.files[1].size == len(notes)
    assert writer.download_file(v.files[0]) == png
    assert writer.download_file(v.files[1].id) == notes
    assert writer.download_file(v.files[1].url) == notes

    got = writer.get_version(v.id)
    assert got.value == {"url": "logo.png", "colors": ["#1A365D"]}
    assert got.annotations == {"prompt": "flat"}
    assert got.digest == v.digest

    with pytest.raises(NotFoundError):
        writer.download_file("fil_" + "0" * 32)


def test_upload_file_alone_is_content_addressed(
    writer: Quire, project: ProjectFields, key: str
) -> None:
    f1 = writer.upload_file(("a.bin", b"same bytes"), project=project.slug)
    f2 = writer.upload_file(("a.bin", b"same bytes"), project=project.slug)
    assert f1.id == f2.id and f1.content_type == "application/octet-stream"
    v = writer.create_version(project.slug, key, {"n": 1}, files=[f1])
    assert [f.id for f in v.files] == [f1.id]


def test_idempotent_create_returns_the_same_version(
    writer: Quire, project: ProjectFields, key: str
) -> None:
    k = "create-" + uuid.uuid4().hex
    a = writer.create_version(
        project.slug, key, {"t": "x"}, files=[("f.txt", b"hi")], idempotency_key=k
    )
    b = writer.create_version(
        project.slug, key, {"t": "x"}, files=[("f.txt", b"hi")], idempotency_key=k
    )
    assert (a.id, a.version_number) == (b.id, b.version_number)
    with pytest.raises(IdempotencyKeyReusedError) as reused:
        writer.create_version(project.slug, key, {"t": "other"}, idempotency_key=k)
    assert reused.value.code == "IDEMPOTENCY_KEY_REUSED"
    # Without a key, each call gets a fresh one: two versions.
    c = writer.create_version(project.slug, key, {"t": "x"})
    d = writer.create_version(project.slug, key, {"t": "x"})
    assert (c.version_number, d.version_number) == (2, 3)


# -- claims --------------------------------------------------------------------------


def test_claim_conflicts(writer: Quire, writer2: Quire, project: ProjectFields, key: str) -> None:
    mine = writer.start_run(project.slug, "gen")
    theirs = writer2.start_run(project.slug, "gen")
    g = writer.claim(project.slug, key, run_id=mine.id, lease_seconds=300)
    assert g.state == GenerationState.GENERATING
    assert g.holder is not None and g.holder.name == "writer-agent"
    assert g.run is not None and g.run.id == mine.id
    assert writer2.generation(project.id, key).state == GenerationState.GENERATING

    with pytest.raises(ConflictError) as second:
        writer2.claim(project.slug, key, run_id=theirs.id)
    assert second.value.code == "CONFLICT"
    with pytest.raises(ConflictError) as create:
        writer2.create_version(project.slug, key, {"by": "them"}, run_id=theirs.id)
    assert create.value.code == "CONFLICT" and "writer-agent" in create.value.message

    v = writer.create_version(project.slug, key, {"by": "me"}, run_id=mine.id)
    assert v.version_number == 1
    # The holder's run claiming again renews its lease.
    assert writer.claim(project.slug, key, run_id=mine.id).state == GenerationState.GENERATING
    assert writer.finish_claim(project.slug, key).state == GenerationState.IDLE
    assert writer2.claim(project.slug, key, run_id=theirs.id).state == GenerationState.GENERATING
    failed = writer2.finish_claim(project.slug, key, error="model refused")
    assert failed.state == GenerationState.FAILED and failed.error == "model refused"


# -- review, context, assembly ------------------------------------------------------------


def test_review_promote_context_and_assembly(
    writer: Quire, reviewer: Quire, project: ProjectFields, key: str
) -> None:
    v1 = writer.create_version(project.slug, key, {"title": "First"})
    sent_back = reviewer.request_changes(v1.id, reason="too short", feedback={"fix": ["longer"]})
    assert sent_back.status == VersionStatus.CHANGES_REQUESTED
    v2 = writer.create_version(
        project.slug, key, {"title": "Second, longer"}, base_version_id=v1.id
    )
    assert v2.base is not None and v2.base.id == v1.id
    feedback = [a.feedback for a in writer.get_version(v1.id).approvals]
    assert {"fix": ["longer"]} in feedback
    approved = reviewer.approve(v2.id, reason="good")
    assert approved.status == VersionStatus.APPROVED

    promoted = reviewer.promote(project.slug, [v2.id])
    assert [p.id for p in promoted.promoted] == [v2.id]
    with pytest.raises(ConflictError) as stale:
        reviewer.promote(
            project.slug, [v2.id], expected_context_version=promoted.context_version - 1
        )
    assert stale.value.current_context_version == promoted.context_version

    ctx = writer.context(project.slug)
    top, rest = key.split(".")
    assert ctx.context is not None
    assert ctx.context[top][rest] == {"title": "Second, longer"}
    assert ctx.context_version == promoted.context_version
    entry = next(e for e in ctx.context_entries if e.path == key)
    assert entry.version.id == v2.id and entry.promoted_by.name == "reviewer"
    assert writer.context(project.id, path=key).context == {"title": "Second, longer"}

    run = writer.start_run(project.slug, "next-agent", model="gpt-4o")
    writer.record_step(run.id, agent_id="a", output="old output " * 50, summary="a summary")
    writer.record_step(run.id, agent_id="b", output="the newest output")
    asm = writer.assemble_context(run.id, 4000, paths=[key], short_term_steps=1)
    assert asm.total_tokens <= 4000 and asm.budget_tokens == 4000
    assert asm.context_version == promoted.context_version
    tiers = [(i.tier, i.source) for i in asm.items]
    assert (ContextTier.PERSISTENT, key) in tiers
    assert any(t == ContextTier.LONG_TERM for t, _ in tiers)
    assert asm.items[-1].tier == ContextTier.SHORT_TERM
    assert asm.items[-1].text == "the newest output"
    persistent = next(i for i in asm.items if i.tier == ContextTier.PERSISTENT)
    assert persistent.version is not None and persistent.version.id == v2.id
    small = writer.assemble_context(run.id, 5)
    assert small.total_tokens <= 5 and small.dropped


# -- search ----------------------------------------------------------------------------


def test_search_finds_a_stored_word(writer: Quire, project: ProjectFields, key: str) -> None:
    word = "quokka" + uuid.uuid4().hex[:8]
    v = writer.create_version(project.slug, key, {"text": f"The {word} checklist is ready"})
    hits = writer.search(f"{word} checklist")
    assert [e.node.id for e in hits.edges] == [v.id]
    assert hits.total_count == 1
    scoped = writer.search(word, project=project.slug)
    assert [e.node.id for e in scoped.edges] == [v.id]
    assert writer.search(word + "x").edges == []


# -- waiting for a decision --------------------------------------------------------------


def test_wait_for_decision_subscribed(
    writer: Quire, reviewer: Quire, project: ProjectFields, key: str
) -> None:
    v = writer.create_version(project.slug, key, {"n": 1})
    t0 = time.monotonic()
    later(1.0, reviewer.approve, v.id)
    got = writer.wait_for_decision(v.id, timeout=20, mode="subscribe", recheck_interval=60)
    assert got.status == VersionStatus.APPROVED
    assert got.reviewed_by is not None and got.reviewed_by.name == "reviewer"
    assert 0.9 < time.monotonic() - t0 < 10


def test_wait_for_decision_auto(
    writer: Quire, reviewer: Quire, project: ProjectFields, key: str
) -> None:
    v = writer.create_version(project.slug, key, {"n": 1})
    later(0.5, reviewer.reject, v.id, reason="off-brand")
    got = writer.wait_for_decision(v.id, timeout=20)
    assert got.status == VersionStatus.REJECTED and got.rejection_reason == "off-brand"


def test_wait_for_decision_polling(
    writer: Quire, reviewer: Quire, project: ProjectFields, key: str
) -> None:
    v = writer.create_version(project.slug, key, {"n": 1})
    later(1.0, reviewer.request_changes, v.id, feedback={"more": "contrast"})
    got = writer.wait_for_decision(
        v.id, timeout=20, mode="poll", poll_interval=0.1, max_poll_interval=0.5
    )
    assert got.status == VersionStatus.CHANGES_REQUESTED


def test_wait_falls_back_to_polling_without_a_socket(
    server: Server, reviewer: Quire, writer: Quire, project: ProjectFields, key: str
) -> None:
    v = writer.create_version(project.slug, key, {"n": 1})
    with Quire(server.url, server.admin_token) as q:
        # A socket that cannot connect (nothing listens on port 9 here).
        q._aio._gql.ws_url = "ws://127.0.0.1:9/graphql/ws"
        later(0.5, reviewer.approve, v.id)
        got = q.wait_for_decision(v.id, timeout=20, poll_interval=0.1, max_poll_interval=0.5)
        assert got.status == VersionStatus.APPROVED
        with pytest.raises(QuireError):
            q.wait_for_decision(
                writer.create_version(project.slug, key, {"n": 2}).id, timeout=5, mode="subscribe"
            )


def test_wait_times_out_and_returns_at_once_when_decided(
    writer: Quire, reviewer: Quire, project: ProjectFields, key: str
) -> None:
    v = writer.create_version(project.slug, key, {"n": 1})
    t0 = time.monotonic()
    with pytest.raises(WaitTimeoutError) as timeout:
        writer.wait_for_decision(v.id, timeout=1.0)
    assert timeout.value.code == "TIMEOUT" and isinstance(timeout.value, TimeoutError)
    assert time.monotonic() - t0 < 5
    with pytest.raises(WaitTimeoutError):
        writer.wait_for_decision(v.id, timeout=0.5, mode="poll")
    reviewer.approve(v.id)
    assert writer.wait_for_decision(v.id, timeout=1).status == VersionStatus.APPROVED
    with pytest.raises(NotFoundError):
        writer.wait_for_decision("ver_" + "0" * 32, timeout=1)


# -- the async facade ------------------------------------------------------------------------


def test_async_facade_and_version_events(
    server: Server, project: ProjectFields, writer: Quire, key: str
) -> None:
    async def main() -> None:
        async with AsyncQuire(server.url, server.admin_token) as aq:
            seen: list[tuple[str, VersionStatus]] = []

            async def listen() -> None:
                async for ev in aq.version_events(project.slug, schema_key_prefix=key):
                    seen.append((ev.version.id, ev.status))
                    if ev.status != VersionStatus.PENDING:
                        return

            task = asyncio.create_task(listen())
            await asyncio.sleep(1.0)  # let it subscribe
            v = await aq.create_version(project.id, key, {"async": True})
            await aq.approve(v.id)
            await asyncio.wait_for(task, 15)
            assert seen == [(v.id, VersionStatus.PENDING), (v.id, VersionStatus.APPROVED)]
            decided = await aq.wait_for_decision(v.id, timeout=5)
            assert decided.status == VersionStatus.APPROVED

    asyncio.run(main())


def test_subscription_errors_are_raised(server: Server, project: ProjectFields) -> None:
    async def first(aq: AsyncQuire, project_id: str) -> None:
        async for _ in aq.version_events(project_id):
            return

    async def main() -> None:
        async with AsyncQuire(server.url, server.admin_token) as aq:
            with pytest.raises(NotFoundError) as missing:
                await asyncio.wait_for(first(aq, "prj_" + "0" * 32), 10)
            assert missing.value.path == ["versionStatusChanged"]
            with pytest.raises(ValidationFailedError):
                await asyncio.wait_for(first(aq, "prj_bad"), 10)
        async with AsyncQuire(server.url, "qk_not-a-real-token") as bad:
            with pytest.raises(UnauthenticatedError):
                await asyncio.wait_for(first(bad, project.id), 10)

    asyncio.run(main())


def test_wait_polls_without_websockets(
    writer: Quire,
    reviewer: Quire,
    project: ProjectFields,
    key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import quire_client.client as client_module

    monkeypatch.setattr(client_module, "HAVE_WEBSOCKETS", False)
    v = writer.create_version(project.slug, key, {"n": 1})
    later(0.5, reviewer.approve, v.id)
    got = writer.wait_for_decision(v.id, timeout=20, poll_interval=0.1, max_poll_interval=0.5)
    assert got.status == VersionStatus.APPROVED
    pending = writer.create_version(project.slug, key, {"n": 2})
    with pytest.raises(QuireConnectionError) as exc:
        writer.wait_for_decision(pending.id, timeout=1, mode="subscribe")
    assert "websockets" in exc.value.message
