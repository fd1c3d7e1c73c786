"""Python client for Quire, the GraphQL artifact store for AI agent pipelines.

``Quire`` (blocking) and ``AsyncQuire`` (asyncio) are the facade; the typed
operations and models they return are generated from schema.graphql by
ariadne-codegen into ``quire_client.generated``.
"""

from .client import AsyncQuire, FileSpec, Quire, WaitMode, new_idempotency_key
from .errors import (
    ConflictError,
    ForbiddenError,
    IdempotencyKeyReusedError,
    InsufficientStorageError,
    InternalError,
    InvalidTransitionError,
    NotFoundError,
    OutcomeUnknownError,
    PayloadTooLargeError,
    QueryTooComplexError,
    QuireConnectionError,
    QuireError,
    RateLimitedError,
    TooManySubscriptionsError,
    UnauthenticatedError,
    UnavailableError,
    ValidationFailedError,
    WaitTimeoutError,
)
from .generated.enums import (
    ActorType,
    ContextTier,
    GenerationState,
    Role,
    RunStatus,
    VersionStatus,
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

__version__ = "0.1.0"

__all__ = [
    "AsyncQuire",
    "Quire",
    "FileSpec",
    "WaitMode",
    "new_idempotency_key",
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
    "ActorType",
    "ContextTier",
    "GenerationState",
    "Role",
    "RunStatus",
    "VersionStatus",
    "ActorFields",
    "FileFields",
    "GenerationFields",
    "ProjectFields",
    "RunFields",
    "StepFields",
    "VersionFields",
]
