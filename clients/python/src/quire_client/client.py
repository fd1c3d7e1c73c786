"""The hand-written facade over the generated client (``quire_client.generated``).

:class:`AsyncQuire` is the implementation (asyncio); :class:`Quire` offers the same
methods synchronously, running an ``AsyncQuire`` on a private event loop in a
background thread (so it also works where a loop is already running, such as
Jupyter). Every method returns the typed models generated from schema.graphql
and raises :class:`~quire_client.errors.QuireError` subclasses carrying Quire's
error codes.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import io
import json
import logging
import mimetypes
import os
import random
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, Concatenate, Literal, ParamSpec, TypeAlias, TypeVar, cast

import httpx

from . import errors as E
from .generated import (
    CancelRunInput,
    CompleteRunInput,
    CreateArtifactVersionInput,
    CreateProjectInput,
    CreateTokenInput,
    FailRunInput,
    FinishGenerationInput,
    PromoteInput,
    RecordRunStepInput,
    RecordStepSummaryInput,
    ReviewInput,
    StartGenerationInput,
    StartRunInput,
    Upload,
)
from .generated.assemble_context import AssembleContextAssembleContext
from .generated.client import GeneratedClient
from .generated.create_token import CreateTokenCreateToken
from .generated.enums import ActorType, Role, VersionStatus
from .generated.exceptions import (
    GraphQLClientError,
    GraphQLClientGraphQLMultiError,
    GraphQLClientHttpError,
    GraphQLClientInvalidResponseError,
)
from .generated.fragments import (
    ActorFields,
    FileFields,
    GenerationFields,
    ProjectFields,
    RunFields,
    StepFields,
    VersionFields,
)
from .generated.get_run import GetRunRun
from .generated.get_version import GetVersionArtifactVersion
from .generated.project_context import ProjectContextProject
from .generated.promote import PromotePromote
from .generated.review_queue import ReviewQueueProjectReviewQueue
from .generated.review_queue_changed import ReviewQueueChangedReviewQueue
from .generated.search import SearchSearch
from .generated.version_status_changed import (
    VersionStatusChangedVersionStatusChanged,
)

try:  # Subscriptions need `websockets`; without it wait_for_decision polls.
    import websockets.exceptions as _ws_exceptions

    HAVE_WEBSOCKETS = True
except ImportError:  # pragma: no cover - exercised by the polling fallback
    HAVE_WEBSOCKETS = False

log = logging.getLogger("quire_client")

__all__ = ["AsyncQuire", "Quire", "FileSpec", "WaitMode", "new_idempotency_key"]

T = TypeVar("T")
P = ParamSpec("P")

#: A file for create_version / upload_file: a path, or (filename, bytes) or
#: (filename, bytes, content_type).
FileSpec: TypeAlias = str | os.PathLike[str] | tuple[str, bytes] | tuple[str, bytes, str]
WaitMode: TypeAlias = Literal["auto", "subscribe", "poll"]

_DECIDED = "decided"
_SUBSCRIBED = "subscribed"
_CLOSED = "closed"

# Set by wait_for_decision's subscription task; called once the subscribe
# message is on the socket, so that the status can be read again (closing
# the window between the first read and the subscription).
_on_subscribed: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar(
    "quire_on_subscribed", default=None
)


def new_idempotency_key() -> str:
    """A fresh idempotency key (a UUID4), as the client makes by default."""
    return str(uuid.uuid4())


def _backoff(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with jitter: base * 2**attempt, capped, times 0.5..1."""
    return float(min(cap, base * (2**attempt)) * random.uniform(0.5, 1.0))


def _is_project_id(project: str) -> bool:
    return project.startswith("prj_")


def _opt(**kwargs: Any) -> dict[str, Any]:
    """The keyword arguments that are not None (so that they are left unset)."""
    return {k: v for k, v in kwargs.items() if v is not None}


class _Client(GeneratedClient):
    """The generated client, telling wait_for_decision when it has subscribed,
    and raising the errors a subscription's `next` message carries (Quire sends
    a refused subscription, such as an unknown project, as `next` with errors
    and then `complete`, which the generated client would end silently on)."""

    async def _handle_ws_message(
        self, message: Any, websocket: Any, *args: Any, **kwargs: Any
    ) -> dict[str, Any] | None:
        try:
            parsed = json.loads(message)
        except (TypeError, ValueError):
            parsed = None
        if isinstance(parsed, dict) and parsed.get("type") == "next":
            payload = parsed.get("payload")
            if isinstance(payload, dict) and payload.get("errors"):
                raise GraphQLClientGraphQLMultiError.from_errors_dicts(
                    errors_dicts=payload["errors"], data=payload.get("data")
                )
        return await super()._handle_ws_message(message, websocket, *args, **kwargs)

    async def _send_subscribe(self, *args: Any, **kwargs: Any) -> None:
        await super()._send_subscribe(*args, **kwargs)
        hook = _on_subscribed.get()
        if hook is not None:
            hook()


def _http_error(exc: GraphQLClientHttpError) -> E.QuireError:
    response = cast(httpx.Response, exc.response)
    return _error_from_response(response)


def _error_from_response(response: httpx.Response) -> E.QuireError:
    status = response.status_code
    body: Any = None
    try:
        body = response.json()
    except ValueError:
        body = None
    err: E.QuireError
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        err = E.from_graphql_errors(body["errors"], status_code=status)
    elif isinstance(body, dict) and isinstance(body.get("error"), dict):
        # /files answers {"error": {"code", "message"}}.
        e = body["error"]
        code = e.get("code") if isinstance(e.get("code"), str) else None
        err = E.error_for_code(code)(
            str(e.get("message", response.reason_phrase)),
            code=code,
            status_code=status,
        )
    else:
        code = {
            401: "UNAUTHENTICATED",
            403: "FORBIDDEN",
            404: "NOT_FOUND",
            413: "PAYLOAD_TOO_LARGE",
            429: "RATE_LIMITED",
            503: "UNAVAILABLE",
            507: "INSUFFICIENT_STORAGE",
        }.get(status, f"HTTP_{status}")
        text = response.text[:500] if response.content else response.reason_phrase
        err = E.error_for_code(code)(text or f"HTTP {status}", code=code, status_code=status)
    if err.code == "RATE_LIMITED" and "retryAfter" not in err.extensions:
        ra = response.headers.get("retry-after")
        if ra is not None:
            try:
                err.extensions["retryAfter"] = float(ra)
            except ValueError:
                pass
    return err


def _translate(exc: BaseException) -> E.QuireError | None:
    """The QuireError for an exception of the generated client or httpx."""
    if isinstance(exc, E.QuireError):
        return exc
    if isinstance(exc, GraphQLClientGraphQLMultiError):
        dicts = [
            dict(e.original)
            if e.original is not None
            else {"message": e.message, "path": e.path, "extensions": e.extensions}
            for e in exc.errors
        ]
        return E.from_graphql_errors(dicts)
    if isinstance(exc, GraphQLClientHttpError):
        return _http_error(exc)
    if isinstance(exc, GraphQLClientInvalidResponseError):
        response = cast(httpx.Response, exc.response)
        return E.QuireError(
            f"not a GraphQL response (HTTP {response.status_code})",
            code="INVALID_RESPONSE",
            status_code=response.status_code,
        )
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        err = E.QuireConnectionError(f"cannot reach Quire: {exc}")
        err.extensions["requestSent"] = False
        return err
    if isinstance(exc, httpx.TransportError):
        err = E.QuireConnectionError(f"connection to Quire failed: {exc}")
        err.extensions["requestSent"] = True
        return err
    if HAVE_WEBSOCKETS and isinstance(exc, _ws_exceptions.ConnectionClosed):
        close = exc.rcvd
        code = close.code if close is not None else None
        reason = close.reason if close is not None else str(exc)
        if code in (4401, 4403):
            return E.UnauthenticatedError(reason or "the token was refused", status_code=code)
        if code == 4429:
            return E.RateLimitedError(reason or "too many failed logins", status_code=code)
        return E.QuireConnectionError(f"the WebSocket closed: {exc}", status_code=code)
    if isinstance(exc, (OSError, GraphQLClientError)) or (
        HAVE_WEBSOCKETS and isinstance(exc, _ws_exceptions.WebSocketException)
    ):
        return E.QuireConnectionError(f"WebSocket failed: {exc!r}")
    return None


async def _translated(events: AsyncIterator[T]) -> AsyncIterator[T]:
    """The events of a generated subscription, its failures as QuireErrors."""
    try:
        async for ev in events:
            yield ev
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        err = _translate(exc)
        if err is None or err is exc:
            raise
        raise err from exc


class AsyncQuire:
    """Quire over asyncio.

    Args:
        url: the server, ``http://host:port`` or its ``.../graphql`` endpoint.
        token: the API token's secret (``qk_...``).
        timeout: seconds per HTTP request.
        retries: how many times a request is sent again after an error that
            allows it: UNAVAILABLE, RATE_LIMITED and unreachable servers always;
            OUTCOME_UNKNOWN and broken connections only for mutations that
            carry an idempotency key (which every such call does by default).
        http_client: an ``httpx.AsyncClient`` to use instead of the client's own
            (its headers must include the Authorization header).
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        retry_backoff: float = 0.25,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        base = url.rstrip("/")
        if base.endswith("/graphql"):
            base = base[: -len("/graphql")]
        self.base_url = base
        self.graphql_url = base + "/graphql"
        if base.startswith("https://"):
            self.ws_url = "wss://" + base[len("https://") :] + "/graphql/ws"
        else:
            self.ws_url = "ws://" + base.split("://", 1)[-1] + "/graphql/ws"
        auth = {"Authorization": f"Bearer {token}"}
        self._http = http_client or httpx.AsyncClient(headers=auth, timeout=httpx.Timeout(timeout))
        self._gql = _Client(
            url=self.graphql_url,
            headers=auth,
            http_client=cast(Any, self._http),
            ws_url=self.ws_url,
            ws_connection_init_payload=auth,
        )
        self._retries = retries
        self._retry_backoff = retry_backoff
        self._project_ids: dict[str, str] = {}  # slug -> id
        self._project_slugs: dict[str, str] = {}  # id -> slug
        self._next_order: dict[str, int] = {}
        self._order_lock = asyncio.Lock()

    async def aclose(self) -> None:
        """Closes the HTTP connections."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncQuire:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- plumbing ---------------------------------------------------------

    async def _call(self, make: Callable[[], Awaitable[T]], *, idempotent: bool) -> T:
        """Runs one request, translating errors and retrying those that allow it.

        ``idempotent``: the request may be sent twice with one effect (a query,
        or a mutation carrying an idempotency key).
        """
        attempt = 0
        while True:
            try:
                return await make()
            except (GraphQLClientError, httpx.HTTPError, E.QuireError) as exc:
                err = _translate(exc)
                if err is None:
                    raise
                if attempt >= self._retries or not self._may_retry(err, idempotent):
                    if err is exc:
                        raise
                    raise err from exc
                delay = _backoff(attempt, self._retry_backoff, 10.0)
                if isinstance(err, E.RateLimitedError) and err.retry_after:
                    delay = max(delay, err.retry_after)
                log.info("quire: %s, retrying in %.2fs", err, delay)
                attempt += 1
                await asyncio.sleep(delay)

    @staticmethod
    def _may_retry(err: E.QuireError, idempotent: bool) -> bool:
        if err.code in ("UNAVAILABLE", "RATE_LIMITED"):
            return True
        if isinstance(err, E.QuireConnectionError):
            return idempotent or not err.extensions.get("requestSent", True)
        return idempotent and err.code == "OUTCOME_UNKNOWN"

    async def _project_id(self, project: str) -> str:
        """The id of a project named by id (``prj_...``) or slug."""
        if _is_project_id(project):
            return project
        if project not in self._project_ids:
            await self.project(project)
        return self._project_ids[project]

    async def _project_slug(self, project: str) -> str:
        if not _is_project_id(project):
            return project
        if project not in self._project_slugs:
            await self.project(project)
        return self._project_slugs[project]

    # -- projects and tokens ---------------------------------------------

    async def viewer(self) -> ActorFields:
        """The actor of this client's token (a cheap way to check the token)."""
        r = await self._call(self._gql.viewer, idempotent=True)
        return r.viewer

    async def project(self, project: str) -> ProjectFields:
        """A project by id (``prj_...``) or slug; NotFoundError when the token
        cannot see it."""
        p: ProjectFields | None
        if _is_project_id(project):
            r = await self._call(lambda: self._gql.project_by_id(project), idempotent=True)
            p = r.node if isinstance(r.node, ProjectFields) else None
        else:
            rs = await self._call(lambda: self._gql.project_by_slug(project), idempotent=True)
            p = rs.project
        if p is None:
            raise E.NotFoundError(f"project {project!r} not found", path=["project"])
        self._project_ids[p.slug] = p.id
        self._project_slugs[p.id] = p.slug
        return p

    async def create_project(self, slug: str, name: str) -> ProjectFields:
        """Creates a project (ADMIN, unscoped token); CONFLICT when the slug is taken."""
        inp = CreateProjectInput(slug=slug, name=name)
        r = await self._call(lambda: self._gql.create_project(inp), idempotent=False)
        p = r.create_project
        self._project_ids[p.slug] = p.id
        self._project_slugs[p.id] = p.slug
        return p

    async def create_token(
        self,
        name: str,
        role: Role | str,
        *,
        actor_type: ActorType | str = ActorType.AI,
        project: str | None = None,
        actor_id: str | None = None,
    ) -> CreateTokenCreateToken:
        """Creates an API token (ADMIN); its ``secret`` is shown only here."""
        project_id = await self._project_id(project) if project else None
        inp = CreateTokenInput(
            name=name,
            role=Role(role),
            actor_type=ActorType(actor_type),
            **_opt(project_id=project_id, actor_id=actor_id),
        )
        r = await self._call(lambda: self._gql.create_token(inp), idempotent=False)
        return r.create_token

    # -- runs and steps -----------------------------------------------------

    async def start_run(
        self,
        project: str,
        pipeline: str,
        *,
        model: str | None = None,
        input: str | None = None,
        variables: Any = None,
        parent_run_id: str | None = None,
        input_version_ids: Sequence[str] | None = None,
        idempotency_key: str | None = None,
    ) -> RunFields:
        """Starts a RUNNING run of ``pipeline`` in a project (id or slug).

        ``input_version_ids`` names the versions the run reads (lineage); an
        idempotency key is generated when none is given, so retries start one run.
        """
        inp = StartRunInput(
            project_id=await self._project_id(project),
            pipeline=pipeline,
            idempotency_key=idempotency_key or new_idempotency_key(),
            **_opt(
                model=model,
                input=input,
                variables=variables,
                parent_run_id=parent_run_id,
                input_version_ids=list(input_version_ids)
                if input_version_ids is not None
                else None,
            ),
        )
        r = await self._call(lambda: self._gql.start_run(inp), idempotent=True)
        return r.start_run

    async def _order_for(self, run_id: str) -> int:
        async with self._order_lock:
            if run_id not in self._next_order:
                run = await self.get_run(run_id)
                self._next_order[run_id] = max((s.order for s in run.steps), default=-1) + 1
            order = self._next_order[run_id]
            self._next_order[run_id] = order + 1
            return order

    async def record_step(
        self,
        run_id: str,
        *,
        agent_id: str,
        agent_name: str | None = None,
        order: int | None = None,
        output: str | None = None,
        model: str | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        summary: str | None = None,
        idempotency_key: str | None = None,
    ) -> StepFields:
        """Records one step of an open run, with the tokens it used.

        ``order`` defaults to the next after the run's last step (read once per
        run, then counted here; read again if another process took it).
        ``summary``, when given, is recorded as the step's summary for the
        long-term tier of later agents' context.
        INVALID_TRANSITION when the run is closed; CONFLICT when the order is taken.
        """
        auto_order = order is None
        for attempt in range(4):
            if auto_order:
                order = await self._order_for(run_id)
            else:
                assert order is not None
                self._next_order[run_id] = max(self._next_order.get(run_id, 0), order + 1)
            inp = RecordRunStepInput(
                run_id=run_id,
                order=order,
                agent_id=agent_id,
                agent_name=agent_name or agent_id,
                idempotency_key=idempotency_key or new_idempotency_key(),
                **_opt(
                    output=output,
                    model=model,
                    input_tokens=input_tokens,
                    output_tokens=output_tokens,
                ),
            )
            try:
                r = await self._call(
                    functools.partial(self._gql.record_run_step, inp), idempotent=True
                )
                break
            except E.ConflictError:
                # Another process took the order: read the run's steps again and
                # take the next one (only when the order and key were ours to pick).
                if not auto_order or idempotency_key is not None or attempt == 3:
                    raise
                self._next_order.pop(run_id, None)
        step: StepFields = r.record_run_step
        if summary is not None:
            step = await self.record_step_summary(step.id, summary)
        return step

    async def record_step_summary(
        self, step_id: str, summary: str, *, token_count: int | None = None
    ) -> StepFields:
        """Writes a step's summary (once; a second is INVALID_TRANSITION)."""
        inp = RecordStepSummaryInput(
            step_id=step_id, summary=summary, **_opt(token_count=token_count)
        )
        r = await self._call(lambda: self._gql.record_step_summary(inp), idempotent=False)
        return r.record_step_summary

    async def complete_run(
        self,
        run_id: str,
        *,
        output: str | None = None,
        model: str | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        idempotency_key: str | None = None,
    ) -> RunFields:
        """Completes a run. Without token counts its usage is the sum of its steps'.
        A retried completion (same key) returns the completed run."""
        inp = CompleteRunInput(
            run_id=run_id,
            idempotency_key=idempotency_key or new_idempotency_key(),
            **_opt(
                output=output, model=model, input_tokens=input_tokens, output_tokens=output_tokens
            ),
        )
        r = await self._call(lambda: self._gql.complete_run(inp), idempotent=True)
        self._next_order.pop(run_id, None)
        return r.complete_run

    async def fail_run(self, run_id: str, error: str) -> RunFields:
        """Fails a run (its pending versions are rejected, its claims end)."""
        inp = FailRunInput(run_id=run_id, error=error)
        r = await self._call(lambda: self._gql.fail_run(inp), idempotent=False)
        self._next_order.pop(run_id, None)
        return r.fail_run

    async def cancel_run(self, run_id: str, reason: str | None = None) -> RunFields:
        """Cancels a run."""
        inp = CancelRunInput(run_id=run_id, **_opt(reason=reason))
        r = await self._call(lambda: self._gql.cancel_run(inp), idempotent=False)
        self._next_order.pop(run_id, None)
        return r.cancel_run

    async def get_run(self, run_id: str) -> GetRunRun:
        """A run with its steps, inputs and outputs; NotFoundError if not visible."""
        r = await self._call(lambda: self._gql.get_run(run_id), idempotent=True)
        if r.run is None:
            raise E.NotFoundError(f"run {run_id!r} not found", path=["run"])
        return r.run

    # -- generation claims ---------------------------------------------------

    async def claim(
        self,
        project: str,
        schema_key: str,
        *,
        run_id: str | None = None,
        lease_seconds: int | None = None,
    ) -> GenerationFields:
        """Claims a key before generating it (startGeneration).

        ConflictError while another claim holds it (its message names the holder
        and when its lease ends); the holder's run claiming again renews the
        lease. The claim ends with :meth:`finish_claim`, with the run, or when
        the lease passes.
        """
        inp = StartGenerationInput(
            project_id=await self._project_id(project),
            schema_key=schema_key,
            **_opt(run_id=run_id, lease_seconds=lease_seconds),
        )
        r = await self._call(lambda: self._gql.start_generation(inp), idempotent=False)
        return r.start_generation

    async def finish_claim(
        self, project: str, schema_key: str, *, error: str | None = None
    ) -> GenerationFields:
        """Ends this token's claim (finishGeneration): IDLE, or FAILED with ``error``."""
        inp = FinishGenerationInput(
            project_id=await self._project_id(project), schema_key=schema_key, **_opt(error=error)
        )
        r = await self._call(lambda: self._gql.finish_generation(inp), idempotent=False)
        return r.finish_generation

    async def generation(self, project: str, schema_key: str) -> GenerationFields:
        """Where the generation of a key stands (IDLE, GENERATING, FAILED)."""
        slug = await self._project_slug(project)
        r = await self._call(lambda: self._gql.get_generation(slug, schema_key), idempotent=True)
        if r.project is None:
            raise E.NotFoundError(f"project {project!r} not found", path=["project"])
        return r.project.generation

    # -- files and versions ------------------------------------------------

    async def upload_file(self, file: FileSpec, *, project: str | None = None) -> FileFields:
        """Uploads one file by the GraphQL multipart request (``uploadFile``).

        ``file`` is a path, or ``(filename, bytes)`` / ``(filename, bytes,
        content_type)``. The same bytes for the same project give the same file.
        """
        project_id = await self._project_id(project) if project else None
        if isinstance(file, tuple):
            name, data = file[0], file[1]
            ctype = file[2] if len(file) == 3 else None
            return await self._upload(name, data, ctype, project_id)
        path = Path(file)
        return await self._upload(path.name, path.read_bytes(), None, project_id)

    async def _upload(
        self, name: str, data: bytes, content_type: str | None, project_id: str | None
    ) -> FileFields:
        ctype = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"

        async def send() -> FileFields:
            upload = Upload(filename=name, content=io.BytesIO(data), content_type=ctype)
            if project_id is None:
                r = await self._gql.upload_file(upload)
            else:
                r = await self._gql.upload_file(upload, project_id=project_id)
            return r.upload_file

        # The same bytes for the same project give the same file: safe to resend.
        return await self._call(send, idempotent=True)

    async def download_file(self, file: FileFields | str) -> bytes:
        """The bytes of a file: a File, its id (``fil_...``) or its ``url``."""
        if isinstance(file, FileFields):
            url = file.url
        elif file.startswith("fil_"):
            url = f"/files/{file}"
        else:
            url = file
        if url.startswith("/"):
            url = self.base_url + url

        async def get() -> bytes:
            response = await self._http.get(url)
            if response.status_code != 200:
                raise _error_from_response(response)
            return response.content

        return await self._call(get, idempotent=True)

    async def create_version(
        self,
        project: str,
        schema_key: str,
        value: Any,
        *,
        files: Sequence[FileSpec | FileFields] | None = None,
        primary_file: int | None = None,
        run_id: str | None = None,
        step_id: str | None = None,
        annotations: Any = None,
        base_version_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> VersionFields:
        """Creates the next version of ``schema_key`` (PENDING review).

        ``files`` are uploaded first (paths, ``(name, bytes[, content_type])``
        tuples, or files uploaded already) and linked in order; ``primary_file``
        is the index of the version's main file among them. The idempotency key
        defaults to a new UUID4: a retry after a lost answer returns the same
        version, and reusing a key with another input is IDEMPOTENCY_KEY_REUSED.
        CONFLICT when another run holds the key's claim, or when the key has a
        version newer than ``base_version_id``.
        """
        project_id = await self._project_id(project)
        file_ids: list[str] = []
        for f in files or ():
            if isinstance(f, FileFields):
                file_ids.append(f.id)
            else:
                file_ids.append((await self.upload_file(f, project=project_id)).id)
        primary: str | None = None
        if primary_file is not None:
            primary = file_ids[primary_file]
        inp = CreateArtifactVersionInput(
            project_id=project_id,
            schema_key=schema_key,
            value=value,
            idempotency_key=idempotency_key or new_idempotency_key(),
            **_opt(
                file_ids=file_ids or None,
                primary_file_id=primary,
                source_run_id=run_id,
                source_step_id=step_id,
                annotations=annotations,
                base_version_id=base_version_id,
            ),
        )
        r = await self._call(lambda: self._gql.create_artifact_version(inp), idempotent=True)
        return r.create_artifact_version

    async def get_version(self, version_id: str) -> GetVersionArtifactVersion:
        """A version with its files and audit trail; NotFoundError if not visible."""
        r = await self._call(lambda: self._gql.get_version(version_id), idempotent=True)
        if r.artifact_version is None:
            raise E.NotFoundError(f"version {version_id!r} not found", path=["artifactVersion"])
        return r.artifact_version

    # -- review ----------------------------------------------------------------

    def _review_input(
        self, version_id: str, reason: str | None, feedback: Any, key: str | None
    ) -> ReviewInput:
        return ReviewInput(
            version_id=version_id,
            idempotency_key=key or new_idempotency_key(),
            **_opt(reason=reason, feedback=feedback),
        )

    async def approve(
        self,
        version_id: str,
        *,
        reason: str | None = None,
        feedback: Any = None,
        idempotency_key: str | None = None,
    ) -> VersionFields:
        """Approves a PENDING version (REVIEWER)."""
        inp = self._review_input(version_id, reason, feedback, idempotency_key)
        r = await self._call(lambda: self._gql.approve_version(inp), idempotent=True)
        return r.approve_version

    async def reject(
        self,
        version_id: str,
        *,
        reason: str | None = None,
        feedback: Any = None,
        idempotency_key: str | None = None,
    ) -> VersionFields:
        """Rejects a PENDING version (REVIEWER)."""
        inp = self._review_input(version_id, reason, feedback, idempotency_key)
        r = await self._call(lambda: self._gql.reject_version(inp), idempotent=True)
        return r.reject_version

    async def request_changes(
        self,
        version_id: str,
        *,
        reason: str | None = None,
        feedback: Any = None,
        idempotency_key: str | None = None,
    ) -> VersionFields:
        """Sends a PENDING version back with feedback (REVIEWER)."""
        inp = self._review_input(version_id, reason, feedback, idempotency_key)
        r = await self._call(lambda: self._gql.request_changes(inp), idempotent=True)
        return r.request_changes

    async def review_queue(
        self,
        project: str,
        *,
        first: int | None = None,
        after: str | None = None,
    ) -> ReviewQueueProjectReviewQueue:
        """The project's PENDING versions, oldest first (``.edges[i].node``)."""
        slug = await self._project_slug(project)
        r = await self._call(
            lambda: self._gql.review_queue(slug, **_opt(first=first, after=after)),
            idempotent=True,
        )
        if r.project is None:
            raise E.NotFoundError(f"project {project!r} not found", path=["project"])
        return r.project.review_queue

    async def promote(
        self,
        project: str,
        version_ids: Sequence[str] | None = None,
        *,
        expected_context_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> PromotePromote:
        """Promotes APPROVED versions into the project's context (REVIEWER).

        ``expected_context_version`` defaults to the context version read just
        before; CONFLICT (``current_context_version``) when it is stale.
        """
        project_id = await self._project_id(project)
        if expected_context_version is None:
            expected_context_version = (await self.project(project_id)).context_version
        inp = PromoteInput(
            project_id=project_id,
            expected_context_version=expected_context_version,
            idempotency_key=idempotency_key or new_idempotency_key(),
            **_opt(version_ids=list(version_ids) if version_ids is not None else None),
        )
        r = await self._call(lambda: self._gql.promote(inp), idempotent=True)
        return r.promote

    # -- context and search --------------------------------------------------

    async def context(
        self, project: str, *, path: str | None = None, path_prefix: str | None = None
    ) -> ProjectContextProject:
        """The project's promoted context: ``context`` (one JSON object, or the
        sub-tree at ``path``), ``context_version`` and ``context_entries`` (each
        path with the version it came from, below ``path_prefix``)."""
        slug = await self._project_slug(project)
        r = await self._call(
            lambda: self._gql.project_context(slug, **_opt(path=path, path_prefix=path_prefix)),
            idempotent=True,
        )
        if r.project is None:
            raise E.NotFoundError(f"project {project!r} not found", path=["project"])
        return r.project

    async def assemble_context(
        self,
        run_id: str,
        budget_tokens: int,
        *,
        paths: Sequence[str] | None = None,
        short_term_steps: int | None = None,
    ) -> AssembleContextAssembleContext:
        """The prompt context for the run's next agent, cut to ``budget_tokens``:
        persistent (promoted values at ``paths``), long-term (step summaries),
        short-term (the last ``short_term_steps`` outputs)."""
        r = await self._call(
            lambda: self._gql.assemble_context(
                run_id,
                budget_tokens,
                **_opt(
                    paths=list(paths) if paths is not None else None,
                    short_term_steps=short_term_steps,
                ),
            ),
            idempotent=True,
        )
        return r.assemble_context

    async def search(
        self,
        query: str,
        *,
        project: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> SearchSearch:
        """Full-text search over versions' values and keys, best match first
        (every word must occur, stemmed). ``.edges[i].node`` are the versions;
        pass ``.page_info.end_cursor`` as ``after`` for the next page."""
        project_id = await self._project_id(project) if project else None
        r = await self._call(
            lambda: self._gql.search(
                query, **_opt(project_id=project_id, first=first, after=after)
            ),
            idempotent=True,
        )
        return r.search

    # -- live events and waiting --------------------------------------------------

    async def version_events(
        self,
        project: str,
        *,
        schema_key_prefix: str | None = None,
        status: Sequence[VersionStatus] | None = None,
        after: str | None = None,
    ) -> AsyncIterator[VersionStatusChangedVersionStatusChanged]:
        """Versions of a project created or changing status, live (over
        graphql-transport-ws); pass an event's ``cursor`` as ``after`` to resume."""
        project_id = await self._project_id(project)
        events = self._gql.version_status_changed(
            project_id,
            **_opt(
                schema_key_prefix=schema_key_prefix,
                status=list(status) if status is not None else None,
                after=after,
            ),
        )
        async for ev in _translated(events):
            yield ev.version_status_changed

    async def review_queue_events(
        self, project: str, *, after: str | None = None
    ) -> AsyncIterator[ReviewQueueChangedReviewQueue]:
        """The project's review queue, live: ADDED / REMOVED events."""
        project_id = await self._project_id(project)
        events = self._gql.review_queue_changed(project_id, **_opt(after=after))
        async for ev in _translated(events):
            yield ev.review_queue

    async def _status(self, version_id: str) -> tuple[VersionStatus, str, str]:
        r = await self._call(lambda: self._gql.get_version_status(version_id), idempotent=True)
        v = r.artifact_version
        if v is None:
            raise E.NotFoundError(f"version {version_id!r} not found", path=["artifactVersion"])
        return v.status, v.project.id, v.schema_key

    async def wait_for_decision(
        self,
        version_id: str,
        timeout: float | None = None,
        *,
        mode: WaitMode = "auto",
        poll_interval: float = 0.5,
        max_poll_interval: float = 15.0,
        recheck_interval: float = 30.0,
    ) -> GetVersionArtifactVersion:
        """Waits until the version leaves PENDING (approved, rejected, changes
        requested) and returns it as it is then.

        ``mode="auto"`` subscribes to the project's version events over
        graphql-transport-ws (reading the status again once subscribed, and
        every ``recheck_interval`` seconds as a safety net), and falls back to
        polling when websockets is not installed or the socket fails or drops;
        ``"poll"`` only polls, with exponential backoff and jitter from
        ``poll_interval`` up to ``max_poll_interval`` seconds; ``"subscribe"``
        never falls back. WaitTimeoutError after ``timeout`` seconds (None:
        wait as long as it takes).
        """
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        status, project_id, schema_key = await self._status(version_id)
        if status != VersionStatus.PENDING:
            return await self.get_version(version_id)
        if mode != "poll" and HAVE_WEBSOCKETS:
            try:
                await self._wait_subscribed(
                    version_id, project_id, schema_key, deadline, recheck_interval
                )
                return await self.get_version(version_id)
            except E.WaitTimeoutError:
                raise
            except E.QuireError as err:
                if mode == "subscribe" or err.code in ("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND"):
                    raise
                log.warning("quire: subscription failed (%s); polling instead", err)
        elif mode == "subscribe":
            raise E.QuireConnectionError("subscriptions need the websockets package")
        await self._poll_until_decided(version_id, deadline, poll_interval, max_poll_interval)
        return await self.get_version(version_id)

    async def _poll_until_decided(
        self, version_id: str, deadline: float | None, initial: float, cap: float
    ) -> None:
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            status, _, _ = await self._status(version_id)
            if status != VersionStatus.PENDING:
                return
            delay = _backoff(attempt, initial, cap)
            if deadline is not None:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise E.WaitTimeoutError(f"version {version_id} is still PENDING")
                delay = min(delay, remaining)
            attempt += 1
            await asyncio.sleep(delay)

    async def _wait_subscribed(
        self,
        version_id: str,
        project_id: str,
        schema_key: str,
        deadline: float | None,
        recheck_interval: float,
    ) -> None:
        """Returns once the version is decided; raises when the socket fails."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[object] = asyncio.Queue()

        async def pump() -> None:
            _on_subscribed.set(lambda: queue.put_nowait(_SUBSCRIBED))
            try:
                async for ev in self._gql.version_status_changed(
                    project_id, schema_key_prefix=schema_key
                ):
                    e = ev.version_status_changed
                    if e.version.id == version_id and e.status != VersionStatus.PENDING:
                        queue.put_nowait(_DECIDED)
                        return
                queue.put_nowait(_CLOSED)
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # handed to the waiter
                queue.put_nowait(exc)

        task = asyncio.create_task(pump())
        try:
            while True:
                wait = recheck_interval
                if deadline is not None:
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        raise E.WaitTimeoutError(f"version {version_id} is still PENDING")
                    wait = min(wait, remaining)
                try:
                    item = await asyncio.wait_for(queue.get(), wait)
                except TimeoutError:
                    item = None
                if item == _DECIDED:
                    return
                if item == _CLOSED:
                    raise E.QuireConnectionError("the subscription ended before the decision")
                if isinstance(item, BaseException):
                    err = _translate(item) or E.QuireConnectionError(
                        f"the subscription failed: {item!r}"
                    )
                    raise err from item
                # Subscribed (the decision may have come before), or the recheck
                # interval passed: read the status again.
                status, _, _ = await self._status(version_id)
                if status != VersionStatus.PENDING:
                    return
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


# -- the synchronous facade ---------------------------------------------------


def _sync(
    method: Callable[Concatenate[AsyncQuire, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[Quire, P], T]:
    """Quire's blocking version of an AsyncQuire method (same signature and doc)."""

    def wrapper(self: Quire, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._run(method(self._aio, *args, **kwargs))

    functools.update_wrapper(wrapper, method)
    return wrapper


class Quire:
    """Quire, synchronously: the methods of :class:`AsyncQuire`, blocking.

    ``Quire(url, token)``, then e.g. ``q.start_run("acme-launch", "writer",
    model="gpt-4o")``. Use it as a context manager, or call :meth:`close`. One
    instance may be shared by threads.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        retry_backoff: float = 0.25,
    ) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="quire-client", daemon=True
        )
        self._thread.start()
        self._closed = False

        async def make() -> AsyncQuire:
            return AsyncQuire(
                url, token, timeout=timeout, retries=retries, retry_backoff=retry_backoff
            )

        self._aio = self._run(make())
        self.base_url = self._aio.base_url
        self.graphql_url = self._aio.graphql_url
        self.ws_url = self._aio.ws_url

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._closed:
            coro.close()
            raise RuntimeError("this Quire client is closed")
        fut = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return fut.result()
        except BaseException:
            fut.cancel()
            raise

    def close(self) -> None:
        """Closes the connections and stops the client's thread."""
        if self._closed:
            return
        try:
            self._run(self._aio.aclose())
        finally:
            self._closed = True
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._loop.close()

    def __enter__(self) -> Quire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    viewer = _sync(AsyncQuire.viewer)
    project = _sync(AsyncQuire.project)
    create_project = _sync(AsyncQuire.create_project)
    create_token = _sync(AsyncQuire.create_token)
    start_run = _sync(AsyncQuire.start_run)
    record_step = _sync(AsyncQuire.record_step)
    record_step_summary = _sync(AsyncQuire.record_step_summary)
    complete_run = _sync(AsyncQuire.complete_run)
    fail_run = _sync(AsyncQuire.fail_run)
    cancel_run = _sync(AsyncQuire.cancel_run)
    get_run = _sync(AsyncQuire.get_run)
    claim = _sync(AsyncQuire.claim)
    finish_claim = _sync(AsyncQuire.finish_claim)
    generation = _sync(AsyncQuire.generation)
    upload_file = _sync(AsyncQuire.upload_file)
    download_file = _sync(AsyncQuire.download_file)
    create_version = _sync(AsyncQuire.create_version)
    get_version = _sync(AsyncQuire.get_version)
    approve = _sync(AsyncQuire.approve)
    reject = _sync(AsyncQuire.reject)
    request_changes = _sync(AsyncQuire.request_changes)
    review_queue = _sync(AsyncQuire.review_queue)
    promote = _sync(AsyncQuire.promote)
    context = _sync(AsyncQuire.context)
    assemble_context = _sync(AsyncQuire.assemble_context)
    search = _sync(AsyncQuire.search)
    wait_for_decision = _sync(AsyncQuire.wait_for_decision)
