//! The custom scalars of the schema and what each looks like on the wire.
//!
//! DateTime, Decimal and Upload are async-graphql's own (chrono, rust_decimal
//! and multipart): their wire format stays theirs, and `describe` replaces
//! their descriptions by name when a schema is built. DateTime and Upload
//! already carry a `specifiedByURL`. JSON is Quire's own type, a thin wrapper
//! that reads and writes exactly as `async_graphql::Json<Value>` does, because
//! a `specifiedByURL` can only be given where a type is registered.

use std::borrow::Cow;

use async_graphql::parser::types::Field;
use async_graphql::registry::{MetaType, MetaTypeId, Registry};
use async_graphql::{
    ContextSelectionSet, InputType, InputValueResult, OutputType, Positioned, SchemaBuilder,
    ServerResult, Upload, Value,
};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

const DATE_TIME: &str = "A point in time: an RFC 3339 date-time string. Quire answers in UTC \
with a +00:00 offset and as many fractional-second digits as it has (none, 3, 6 or 9), e.g. \
2026-01-31T09:30:00.123456+00:00. Inputs take an RFC 3339 date-time with an offset (Z or \
+hh:mm), e.g. 2026-01-31T09:30:00Z, and are converted to UTC.";

const DECIMAL: &str = "An exact decimal number, sent and received as a JSON string such as \
\"0.0075\": never a float, so no digit is lost. Quire answers with the shortest exact form \
(no trailing zeros). Send strings too: a JSON number is accepted but passes through a 64-bit \
float first, which can add digits (and then fail a bound on decimal places). Money (prices, \
costs) is in the currency the model prices were set in: Quire stores amounts, not currencies.";

const JSON: &str = "Any JSON value (RFC 8259): an object, array, string, number, boolean or \
null. It travels as itself, not as a string holding JSON: a response has `\"value\": {\"a\": 1}`, \
and a variable of type JSON is any JSON value. Written inline in a query document it is a \
GraphQL input value, e.g. {a: 1}.";

const JSON_SPEC: &str = "https://www.rfc-editor.org/rfc/rfc8259";

const UPLOAD: &str = "A file sent by the GraphQL multipart request spec: the `operations` part \
sets the variable to null and the `map` part points a file part at it. Only uploadFile takes \
one. A request carries at most 10 files; a file over QUIRE_MAX_UPLOAD_BYTES (100 MiB by \
default) is PAYLOAD_TOO_LARGE. Files can also be sent to POST /files without GraphQL.";

/// Gives the scalars that async-graphql registers their Quire descriptions.
pub(crate) fn describe<Q, M, S>(builder: SchemaBuilder<Q, M, S>) -> SchemaBuilder<Q, M, S> {
    builder
        .override_output_type_description::<DateTime<Utc>>(DATE_TIME)
        .override_output_type_description::<Decimal>(DECIMAL)
        .override_input_type_description::<Upload>(UPLOAD)
}

/// Any JSON value; the `JSON` scalar. Reads and writes exactly as
/// `async_graphql::Json<serde_json::Value>`, which it replaces so that the
/// scalar can name its specification.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Json(pub serde_json::Value);

fn json_meta() -> MetaType {
    MetaType::Scalar {
        name: "JSON".to_owned(),
        description: Some(JSON.to_owned()),
        is_valid: None,
        visible: None,
        inaccessible: false,
        tags: Default::default(),
        specified_by_url: Some(JSON_SPEC.to_owned()),
        directive_invocations: Default::default(),
        requires_scopes: Default::default(),
    }
}

impl InputType for Json {
    type RawValueType = serde_json::Value;

    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed("JSON")
    }

    fn create_type_info(registry: &mut Registry) -> String {
        registry.create_input_type::<Json, _>(MetaTypeId::Scalar, |_| json_meta())
    }

    fn parse(value: Option<Value>) -> InputValueResult<Self> {
        <async_graphql::Json<serde_json::Value> as InputType>::parse(value)
            .map(|json| Json(json.0))
            .map_err(|err| err.propagate())
    }

    fn to_value(&self) -> Value {
        Value::String(serde_json::to_string(&self.0).unwrap_or_default())
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(&self.0)
    }
}

impl OutputType for Json {
    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed("JSON")
    }

    fn create_type_info(registry: &mut Registry) -> String {
        registry.create_output_type::<Json, _>(MetaTypeId::Scalar, |_| json_meta())
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let text = || bytes::Bytes::from(serde_json::to_vec(&self.0).unwrap_or_default());
        match super::output::as_text(ctx, field, text) {
            Some(out) => out,
            None => async_graphql::Json(&self.0).resolve(ctx, field).await,
        }
    }
}

/// A `JSON` output read from the database as text (`entity::JsonText`):
/// sent on as its text, parsed only where a response is not written by
/// `output::Wire`.
#[derive(Debug, Clone)]
pub(crate) struct RawJson(pub entity::JsonText);

impl OutputType for RawJson {
    fn type_name() -> Cow<'static, str> {
        <Json as OutputType>::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Json as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let text = || self.0.bytes();
        match super::output::as_text(ctx, field, text) {
            Some(out) => out,
            None => {
                let tree = self.0.parse().map_err(|e| {
                    async_graphql::ServerError::new(
                        format!("a stored value is not JSON: {e}"),
                        Some(field.pos),
                    )
                })?;
                async_graphql::Json(&tree).resolve(ctx, field).await
            }
        }
    }
}
