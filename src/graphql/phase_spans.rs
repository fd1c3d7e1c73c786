//! A span for each phase of a GraphQL request (parse, validate, execute),
//! children of the HTTP request's span, so that a trace shows where a slow
//! request spent its time. Installed only when spans are exported: any
//! engine extension puts each of a page's thousands of fields through a
//! slower path. Fields get no span of their own; the DataLoader batches
//! (`graphql.load`) show the SQL instead.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Variables};
use tracing::Instrument;

/// Installs the phase spans on a schema.
pub(crate) struct PhaseSpans;

impl ExtensionFactory for PhaseSpans {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PhaseSpansExtension)
    }
}

struct PhaseSpansExtension;

#[async_trait::async_trait]
impl Extension for PhaseSpansExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .instrument(tracing::info_span!("graphql.parse"))
            .await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx)
            .instrument(tracing::info_span!("graphql.validate"))
            .await
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let span = tracing::info_span!(
            "graphql.execute",
            "graphql.operation.name" = operation_name.unwrap_or(""),
            "graphql.errors" = tracing::field::Empty,
        );
        let response = next.run(ctx, operation_name).instrument(span.clone()).await;
        if !response.errors.is_empty() {
            span.record("graphql.errors", response.errors.len());
        }
        response
    }
}
