//! Artifact versions, their files and annotations, and generation claims.

use crate::graphql::scalars::Json;
use async_graphql::{Context, ID, InputObject, Object, Upload};

use crate::graphql::context::session;
use crate::graphql::error::ApiResult;

use super::strings;
use crate::domain::{
    artifacts::annotations, artifacts::files, artifacts::generations, artifacts::versions,
};
use crate::graphql::UploadLimit;
use crate::graphql::types::{ArtifactVersion, File, Generation};
use crate::storage::SharedBlobStore;
use entity::Role;

/// The role each of these mutations needs; the guard checks it before
/// the resolver runs (`graphql::guard`).
pub(super) const ROLES: &[(&str, Role)] = &[
    // WRITER, or REVIEWER too (a revision of a base version; annotations):
    // no one role covers both, so the guard refuses readers only and the
    // domain checks which.
    ("createArtifactVersion", Role::Reader),
    ("uploadFile", Role::Writer),
    // WRITER, or REVIEWER too (a revision of a base version; annotations):
    // no one role covers both, so the guard refuses readers only and the
    // domain checks which.
    ("setAnnotations", Role::Reader),
    ("startGeneration", Role::Writer),
    ("finishGeneration", Role::Writer),
];

/// What createArtifactVersion needs.
#[derive(InputObject)]
pub(crate) struct CreateArtifactVersionInput {
    /// The project (`prj_...`); NOT_FOUND if the token cannot see it.
    pub project_id: ID,
    /// The key to add a version to: a dot path of a-z, 0-9, _ and - segments
    /// (e.g. `brand.palette`), at most 200 characters. The version gets the
    /// key's next number.
    pub schema_key: String,
    /// The value: any JSON, at most QUIRE_MAX_VALUE_BYTES (256 KiB by default,
    /// else PAYLOAD_TOO_LARGE), and valid against the key's newest registered
    /// JSON Schema if it has one (else VALIDATION_FAILED, each violation with
    /// its JSON pointer in extensions.violations).
    pub value: Json,
    /// Files to link, in order (`fil_...`): files of this project, or files
    /// an unscoped token uploaded for no project (they join this one). At
    /// most 20 with the primary file (else VALIDATION_FAILED); a file of
    /// another project is NOT_FOUND.
    pub file_ids: Option<Vec<ID>>,
    /// The version's main file; linked first when it is not among fileIds.
    pub primary_file_id: Option<ID>,
    /// The run of this project that produced the version (it lists the
    /// version among its outputs); NOT_FOUND otherwise.
    pub source_run_id: Option<ID>,
    /// The run step that produced the version; its run becomes the source
    /// run (a different sourceRunId is VALIDATION_FAILED).
    pub source_step_id: Option<ID>,
    /// Free-form JSON notes kept with the version, not part of its digest;
    /// at most 256 KiB like the value. Omitted: the base version's (or else
    /// the key's latest version's) annotations carry over.
    pub annotations: Option<Json>,
    /// The version this one revises (`ver_...`, same project and key): an
    /// edit, or a new attempt after CHANGES_REQUESTED. If the key has a newer
    /// version than the base, CONFLICT and nothing is written. With a base, a
    /// REVIEWER token may create the version too (people edit what agents
    /// made); the version records that token as its creator.
    pub base_version_id: Option<ID>,
    /// Makes the call safe to retry: the same key with the same input returns
    /// the first call's result and does nothing more; with a different input it
    /// is IDEMPOTENCY_KEY_REUSED. 1 to 200 characters; kept per token and
    /// mutation for QUIRE_IDEMPOTENCY_TTL_SECS (24 h by default).
    pub idempotency_key: Option<String>,
}

/// What setAnnotations needs.
#[derive(InputObject)]
pub(crate) struct SetAnnotationsInput {
    /// The version (`ver_...`); NOT_FOUND if the token cannot see it.
    pub version_id: ID,
    /// The new annotations, replacing the old: any JSON up to 256 KiB.
    pub annotations: Json,
    /// The annotationsRevision the caller read; a mismatch fails with CONFLICT.
    pub expected_revision: i32,
}

/// What startGeneration needs.
#[derive(InputObject)]
pub(crate) struct StartGenerationInput {
    /// The project (`prj_...`); NOT_FOUND if the token cannot see it.
    pub project_id: ID,
    /// The key about to be generated (a dot path, as in createArtifactVersion).
    pub schema_key: String,
    /// The open run of this project that generates it: completing, failing or
    /// cancelling the run ends the claim. A closed run is INVALID_TRANSITION.
    pub run_id: Option<ID>,
    /// How long the claim holds without finishGeneration (default 600): 1 to
    /// 86400 seconds. After it the key is IDLE again by itself.
    pub lease_seconds: Option<i64>,
}

/// What finishGeneration needs.
#[derive(InputObject)]
pub(crate) struct FinishGenerationInput {
    /// The project (`prj_...`).
    pub project_id: ID,
    /// The claimed key.
    pub schema_key: String,
    /// Set when the generation failed: the state becomes FAILED with this
    /// error (not blank, at most 8192 characters).
    pub error: Option<String>,
}

#[derive(Default)]
pub(crate) struct ArtifactMutations;

#[Object]
impl ArtifactMutations {
    /// Adds the next version of a schema key to a project, PENDING review,
    /// with its files and the run and step that made it. Needs WRITER (or
    /// REVIEWER with baseVersionId); INVALID_TRANSITION for a run that failed
    /// or was cancelled; CONFLICT when the key has a version newer than
    /// baseVersionId;
    /// VALIDATION_FAILED for a malformed key, a value its key's JSON Schema
    /// refuses (see extensions.violations) or more than 20 files;
    /// PAYLOAD_TOO_LARGE for a value or annotations over QUIRE_MAX_VALUE_BYTES;
    /// NOT_FOUND for a project, file, run or step the token cannot see.
    async fn create_artifact_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version to create.")] input: CreateArtifactVersionInput,
    ) -> async_graphql::Result<ArtifactVersion> {
        let input = versions::NewVersion {
            project_id: input.project_id.0,
            schema_key: input.schema_key,
            value: input.value.0,
            file_ids: strings(input.file_ids),
            primary_file_id: input.primary_file_id.map(|id| id.0),
            source_run_id: input.source_run_id.map(|id| id.0),
            source_step_id: input.source_step_id.map(|id| id.0),
            annotations: input.annotations.map(|j| j.0),
            base_version_id: input.base_version_id.map(|id| id.0),
            idempotency_key: input.idempotency_key,
        };
        let created = versions::create(session(ctx), input).await.api()?;
        // Its children are read at once, not after the loaders' batch window.
        crate::graphql::types::version::prime_version(ctx, &created).await?;
        Ok(ArtifactVersion(created))
    }

    /// Uploads a file (GraphQL multipart request) for a project: a project-scoped
    /// token's own, or `projectId`, or (unscoped tokens only) none until a version
    /// links it. The same bytes for the same project give the same file.
    /// Needs WRITER; PAYLOAD_TOO_LARGE over QUIRE_MAX_UPLOAD_BYTES; NOT_FOUND
    /// for a project the token cannot see.
    async fn upload_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The file: a part of the multipart request. Its filename and content type (each at most 255 characters) are kept."
        )]
        file: Upload,
        #[graphql(
            desc = "The project the file is for (`prj_...`); default: a project-scoped token's project, or none for an unscoped token."
        )]
        project_id: Option<ID>,
    ) -> async_graphql::Result<File> {
        let value = file.value(ctx)?;
        let meta = files::NewUpload {
            content_type: value
                .content_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".into()),
            filename: Some(value.filename.clone()).filter(|f| !f.is_empty()),
            project_id: project_id.map(|id| id.0),
        };
        let stream = crate::storage::boxed(tokio_util::io::ReaderStream::new(
            tokio::fs::File::from_std(value.content),
        ));
        let store = ctx.data_unchecked::<SharedBlobStore>();
        let limit = ctx.data_unchecked::<UploadLimit>().0;
        Ok(File(
            files::upload(session(ctx), store.as_ref(), stream, meta, limit)
                .await
                .api()?,
        ))
    }

    /// Replaces a version's annotations (its value never changes) and adds
    /// one to annotationsRevision; the change is kept in the audit trail.
    /// Needs WRITER or REVIEWER; CONFLICT when expectedRevision is not the
    /// version's annotationsRevision, and then nothing changes.
    async fn set_annotations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version, its new annotations and the revision read.")]
        input: SetAnnotationsInput,
    ) -> async_graphql::Result<ArtifactVersion> {
        let input = annotations::NewAnnotations {
            version_id: input.version_id.0,
            annotations: input.annotations.0,
            expected_revision: input.expected_revision,
        };
        Ok(ArtifactVersion(
            annotations::set(session(ctx), input).await.api()?,
        ))
    }

    /// Claims a key for generation; CONFLICT while another unexpired claim holds it.
    /// The key is GENERATING, held by this token, until finishGeneration, the
    /// end of the named run, or the lease. Needs WRITER; NOT_FOUND for a
    /// project or run the token cannot see; INVALID_TRANSITION for a closed run.
    async fn start_generation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the key, the run and the lease.")]
        input: StartGenerationInput,
    ) -> async_graphql::Result<Generation> {
        let claim = generations::Claim {
            project_id: input.project_id.0,
            schema_key: input.schema_key,
            run_id: input.run_id.map(|id| id.0),
            lease_seconds: input.lease_seconds,
        };
        Ok(Generation(
            generations::start(session(ctx), claim).await.api()?,
        ))
    }

    /// Ends this token's claim on a key: IDLE, or FAILED with the error. Needs
    /// WRITER; INVALID_TRANSITION when the key is not being generated (its
    /// lease passed, say); CONFLICT when another token holds it (an ADMIN may
    /// end any claim).
    async fn finish_generation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the key, and the error if it failed.")]
        input: FinishGenerationInput,
    ) -> async_graphql::Result<Generation> {
        let release = generations::Release {
            project_id: input.project_id.0,
            schema_key: input.schema_key,
            error: input.error,
        };
        Ok(Generation(
            generations::finish(session(ctx), release).await.api()?,
        ))
    }
}
