"""A real `quire serve --demo` for the whole session, on a temporary SQLite
database and an ephemeral port, and clients with tokens of each role."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from quire_client import ActorType, ProjectFields, Quire, Role

REPO = Path(__file__).resolve().parents[3]


def quire_bin() -> str:
    """QUIRE_BIN, else the repository's debug build, else /work/bin/quire."""
    env = os.environ.get("QUIRE_BIN")
    if env:
        return env
    for candidate in (REPO / "target" / "debug" / "quire", Path("/work/bin/quire")):
        if candidate.exists():
            return str(candidate)
    raise RuntimeError(
        "no quire binary: set QUIRE_BIN, or build it (cargo build) into target/debug"
    )


@dataclass
class Server:
    url: str
    admin_token: str
    process: subprocess.Popen[str]
    log: list[str]


SERVING = re.compile(r"at (http://\S+)/graphql")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    work = tmp_path_factory.mktemp("quire")
    env = dict(os.environ)
    env.setdefault("RUST_LOG", "warn")
    env["QUIRE_STORAGE_URL"] = str(work / "files")
    proc = subprocess.Popen(
        [
            quire_bin(),
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            f"sqlite://{work / 'q.db'}?mode=rwc",
        ],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    log: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            log.append(line)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    token = url = None
    want_token = False
    try:
        while url is None:
            line = lines.get(timeout=60)
            if line is None:
                raise RuntimeError("quire serve exited:\n" + "".join(log))
            text = line.strip()
            if want_token and text.startswith("qk_"):
                token, want_token = text, False
            elif text.startswith("Admin token"):
                want_token = True
            elif m := SERVING.search(text):
                url = m.group(1)
        if token is None:
            raise RuntimeError("no admin token in:\n" + "".join(log))
        yield Server(url=url, admin_token=token, process=proc, log=log)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def admin(server: Server) -> Iterator[Quire]:
    with Quire(server.url, server.admin_token) as q:
        yield q


@pytest.fixture(scope="session")
def project(admin: Quire) -> ProjectFields:
    return admin.create_project(f"py-{uuid.uuid4().hex[:12]}", "Python client tests")


def _client(
    server: Server, admin: Quire, project: ProjectFields, name: str, role: Role, actor: ActorType
) -> Quire:
    token = admin.create_token(name, role, actor_type=actor, project=project.id)
    return Quire(server.url, token.secret)


@pytest.fixture(scope="session")
def writer(server: Server, admin: Quire, project: ProjectFields) -> Iterator[Quire]:
    q = _client(server, admin, project, "writer-agent", Role.WRITER, ActorType.AI)
    yield q
    q.close()


@pytest.fixture(scope="session")
def writer2(server: Server, admin: Quire, project: ProjectFields) -> Iterator[Quire]:
    q = _client(server, admin, project, "other-agent", Role.WRITER, ActorType.AI)
    yield q
    q.close()


@pytest.fixture(scope="session")
def reviewer(server: Server, admin: Quire, project: ProjectFields) -> Iterator[Quire]:
    q = _client(server, admin, project, "reviewer", Role.REVIEWER, ActorType.HUMAN)
    yield q
    q.close()


@pytest.fixture
def key() -> str:
    """A schema key of its own for each test."""
    return f"t{uuid.uuid4().hex[:10]}.doc"
