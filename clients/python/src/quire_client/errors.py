"""Exceptions carrying Quire's error codes (`extensions.code`).

Every failure the client reports is a :class:`QuireError`. Its ``code`` is the
code Quire sent (``CONFLICT``, ``NOT_FOUND``, ...), and a subclass per code lets
callers write ``except ConflictError``. Codes the client does not know yet still
arrive as a plain :class:`QuireError` with their ``code``.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Mapping, Sequence

__all__ = [
    "QuireError",
    "UnauthenticatedError",
    "ForbiddenError",
    "NotFoundError",
    "ValidationFailedError",
    "InvalidTransitionError",
    "ConflictError",
    "IdempotencyKeyReusedError",
    "PayloadTooLargeError",
    "QueryTooComplexError",
    "RateLimitedError",
    "UnavailableError",
    "OutcomeUnknownError",
    "InsufficientStorageError",
    "InternalError",
    "TooManySubscriptionsError",
    "QuireConnectionError",
    "WaitTimeoutError",
    "error_for_code",
    "RETRYABLE_CODES",
]


class QuireError(Exception):
    """An error Quire answered with, or the client could not reach it.

    Attributes:
        code: ``extensions.code`` of the (first) GraphQL error, or a client code
            (``NETWORK_ERROR``, ``TIMEOUT``, ``HTTP_<status>`` for an HTTP error
            without a GraphQL body).
        message: the server's message.
        path: the GraphQL path of the field that failed, if any.
        extensions: the error's ``extensions`` (``violations``,
            ``currentContextVersion``, ``limit``, ...).
        status_code: the HTTP status, when there was a response.
        errors: every GraphQL error of the response, as sent.
    """

    default_code = "UNKNOWN"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        path: Sequence[str | int] | None = None,
        extensions: Mapping[str, Any] | None = None,
        status_code: int | None = None,
        errors: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code: str = code or self.default_code
        self.message: str = message
        self.path: list[str | int] | None = list(path) if path is not None else None
        self.extensions: dict[str, Any] = dict(extensions or {})
        self.status_code: int | None = status_code
        self.errors: list[Mapping[str, Any]] = list(errors or [])

    def __str__(self) -> str:
        where = f" at {'.'.join(str(p) for p in self.path)}" if self.path else ""
        return f"[{self.code}] {self.message}{where}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"

    @property
    def retryable(self) -> bool:
        """Whether the same request may simply be sent again (nothing was done)."""
        return self.code in RETRYABLE_CODES


class UnauthenticatedError(QuireError):
    """No token, a bad token, or a revoked one (HTTP 401)."""

    default_code = "UNAUTHENTICATED"


class ForbiddenError(QuireError):
    """The token's role or scope does not allow this."""

    default_code = "FORBIDDEN"


class NotFoundError(QuireError):
    """No such object, or it is outside the token's scope."""

    default_code = "NOT_FOUND"


class ValidationFailedError(QuireError):
    """A malformed argument, or a value its JSON Schema refuses.

    ``violations`` lists each violation (with its JSON pointer) when the server
    sent them.
    """

    default_code = "VALIDATION_FAILED"

    @property
    def violations(self) -> list[Any]:
        v = self.extensions.get("violations")
        return list(v) if isinstance(v, list) else []


class InvalidTransitionError(QuireError):
    """The object's state does not allow this (approving a non-PENDING version, ...)."""

    default_code = "INVALID_TRANSITION"


class ConflictError(QuireError):
    """A concurrent change won or an expectation is stale (a claim held by
    another run, a newer version than the base, a stale context version)."""

    default_code = "CONFLICT"

    @property
    def current_context_version(self) -> int | None:
        v = self.extensions.get("currentContextVersion")
        return v if isinstance(v, int) else None


class IdempotencyKeyReusedError(QuireError):
    """The idempotency key was already used with a different input."""

    default_code = "IDEMPOTENCY_KEY_REUSED"


class PayloadTooLargeError(QuireError):
    """A value, output or upload over a configured limit (``extensions.limit``)."""

    default_code = "PAYLOAD_TOO_LARGE"


class QueryTooComplexError(QuireError):
    """The request was over a depth, complexity or time limit."""

    default_code = "QUERY_TOO_COMPLEX"


class RateLimitedError(QuireError):
    """Too many requests; ``retry_after`` is the server's Retry-After, in seconds."""

    default_code = "RATE_LIMITED"

    @property
    def retry_after(self) -> float | None:
        v = self.extensions.get("retryAfter")
        return float(v) if isinstance(v, (int, float)) else None


class UnavailableError(QuireError):
    """Nothing was done (storage full, connection lost before commit): retry."""

    default_code = "UNAVAILABLE"


class OutcomeUnknownError(QuireError):
    """The connection was lost while committing: read back, or retry with the
    same idempotency key."""

    default_code = "OUTCOME_UNKNOWN"


class InsufficientStorageError(QuireError):
    """The file store has no room for the upload."""

    default_code = "INSUFFICIENT_STORAGE"


class InternalError(QuireError):
    """A server bug or database error."""

    default_code = "INTERNAL"


class TooManySubscriptionsError(QuireError):
    """The WebSocket holds QUIRE_MAX_SUBSCRIPTIONS_PER_SOCKET already."""

    default_code = "TOO_MANY_SUBSCRIPTIONS"


class QuireConnectionError(QuireError):
    """The server could not be reached, or the connection broke (client side)."""

    default_code = "NETWORK_ERROR"


class WaitTimeoutError(QuireError, TimeoutError):
    """wait_for_decision gave up before the version left PENDING."""

    default_code = "TIMEOUT"


_BY_CODE: dict[str, type[QuireError]] = {
    cls.default_code: cls
    for cls in (
        UnauthenticatedError,
        ForbiddenError,
        NotFoundError,
        ValidationFailedError,
        InvalidTransitionError,
        ConflictError,
        IdempotencyKeyReusedError,
        PayloadTooLargeError,
        QueryTooComplexError,
        RateLimitedError,
        UnavailableError,
        OutcomeUnknownError,
        InsufficientStorageError,
        InternalError,
        TooManySubscriptionsError,
    )
}

#: Codes after which the same request can be sent again as it is.
RETRYABLE_CODES = frozenset({"UNAVAILABLE", "RATE_LIMITED", "NETWORK_ERROR"})


def error_for_code(code: str | None) -> type[QuireError]:
    """The exception class for an ``extensions.code`` (QuireError if unknown)."""
    return _BY_CODE.get(code or "", QuireError)


def from_graphql_errors(
    errors: Sequence[Mapping[str, Any]], *, status_code: int | None = None
) -> QuireError:
    """The exception for a response's ``errors`` (the first error decides the class)."""
    first: Mapping[str, Any] = errors[0] if errors else {}
    ext_raw = first.get("extensions")
    ext: Mapping[str, Any] = ext_raw if isinstance(ext_raw, Mapping) else {}
    code = ext.get("code")
    code_s = code if isinstance(code, str) else None
    if code_s is None and status_code == 401:
        code_s = "UNAUTHENTICATED"
    path_raw = first.get("path")
    path = path_raw if isinstance(path_raw, list) else None
    message = first.get("message")
    cls = error_for_code(code_s)
    return cls(
        str(message) if message is not None else "unknown error",
        code=code_s,
        path=path,
        extensions=ext,
        status_code=status_code,
        errors=errors,
    )
