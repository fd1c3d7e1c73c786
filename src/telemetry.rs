//! Logs and traces: where they go and in what format.
//!
//! Logs go to stderr as text (coloured only on a terminal) or as JSON
//! lines; `RUST_LOG` filters them. With JSON lines or an OTLP endpoint,
//! Quire's spans get OpenTelemetry trace and span ids (a request's join the
//! caller's `traceparent`), which every JSON line inside a span carries;
//! they are exported over OTLP/HTTP only when an endpoint is configured. An exporter that fails (a collector
//! down) is logged once, then at most once a minute with the count since.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// What is logged when `RUST_LOG` is unset: info, except sqlx's echo of
/// PostgreSQL notices ("relation already exists, skipping" at each start).
const DEFAULT_FILTER: &str = "info,sqlx::postgres::notice=warn";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Logging and tracing options, global to every subcommand.
#[derive(Args, Debug, Clone)]
pub struct TelemetryConfig {
    /// Log line format.
    #[arg(
        long,
        global = true,
        env = "QUIRE_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,

    /// OTLP/HTTP collector base URL (e.g. http://localhost:4318): spans are
    /// sent to its /v1/traces. Unset: no traces are exported.
    #[arg(long, global = true, env = "QUIRE_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
}

/// Whether spans are exported (an OTLP endpoint was configured).
static EXPORTING: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Whether spans are exported: what is worth a span's cost then (the
/// GraphQL phase spans) is left out otherwise.
pub fn exporting() -> bool {
    EXPORTING.get().copied().unwrap_or(false)
}

/// Flushes exported spans when dropped (at the end of `main`).
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(err) = provider.shutdown()
        {
            tracing::warn!(target: "quire::telemetry", "could not flush traces: {err}");
        }
    }
}

impl TelemetryConfig {
    /// Installs the global subscriber. Call once, inside the runtime.
    pub fn init(&self) -> anyhow::Result<Telemetry> {
        let filter =
            || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
        let logs = match self.log_format {
            LogFormat::Text => tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::stderr().is_terminal())
                .with_filter(filter())
                .boxed(),
            LogFormat::Json => tracing_subscriber::fmt::layer()
                .event_format(JsonLines)
                .with_writer(std::io::stderr)
                .with_filter(filter())
                .boxed(),
        };
        let _ = EXPORTING.set(self.otlp_endpoint.is_some());
        // Spans get OpenTelemetry ids when they are exported or when JSON
        // lines carry them; otherwise the layer would cost every request
        // (measured: a seventh of the point read's throughput) for nothing.
        let provider = (self.otlp_endpoint.is_some() || self.log_format == LogFormat::Json)
            .then(|| tracer_provider(self.otlp_endpoint.as_deref()))
            .transpose()?;
        let traces = provider.as_ref().map(|provider| {
            tracing_opentelemetry::layer()
                .with_tracer(provider.tracer("quire"))
                // Debug: the per-batch `graphql.load` spans, which the log
                // (at info) leaves out, so that they cost nothing unless traced.
                .with_filter(EnvFilter::new("quire=debug"))
        });
        tracing_subscriber::registry()
            .with(logs)
            .with(traces)
            .try_init()?;
        Ok(Telemetry { provider })
    }
}

/// Spans with trace and span ids; batched to `{endpoint}/v1/traces` as
/// OTLP protobuf over HTTP when an endpoint is given, else kept nowhere.
fn tracer_provider(endpoint: Option<&str>) -> anyhow::Result<SdkTracerProvider> {
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name("quire")
        .build();
    let builder = SdkTracerProvider::builder().with_resource(resource);
    let Some(endpoint) = endpoint else {
        return Ok(builder.build());
    };
    let url = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_endpoint(url.clone())
        .build()?;
    Ok(builder
        .with_batch_exporter(LoggedExporter::new(exporter, url))
        .build())
}

/// An exporter whose failures are logged: the first at once, then at most
/// one line a minute counting the failures since, so that a collector that
/// is down is seen, never silent, and never floods the log.
#[derive(Debug)]
struct LoggedExporter<E> {
    inner: E,
    url: String,
    /// When a failure was last logged, and the failures not logged since.
    failures: Mutex<(Option<Instant>, u64)>,
}

/// How often a failing exporter is logged at most.
const EXPORT_FAILURE_LOG_EVERY: Duration = Duration::from_secs(60);

impl<E> LoggedExporter<E> {
    fn new(inner: E, url: String) -> Self {
        LoggedExporter {
            inner,
            url,
            failures: Mutex::new((None, 0)),
        }
    }

    fn failed(&self, error: &dyn std::fmt::Display) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.1 += 1;
        let due = failures
            .0
            .is_none_or(|at| at.elapsed() >= EXPORT_FAILURE_LOG_EVERY);
        if due {
            tracing::warn!(
                target: "quire::telemetry",
                collector = %self.url,
                failures = failures.1,
                "could not export traces: {error}"
            );
            *failures = (Some(Instant::now()), 0);
        }
    }
}

impl<E: SpanExporter> SpanExporter for LoggedExporter<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let result = self.inner.export(batch).await;
        if let Err(error) = &result {
            self.failed(error);
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.inner.set_resource(resource);
    }
}

/// One JSON object per line: time, level, target, the event's fields, and,
/// inside a span, its `trace_id` and `span_id` (as OTLP exports them).
struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let meta = event.metadata();
        let mut line = serde_json::Map::new();
        line.insert(
            "timestamp".into(),
            chrono::Utc::now()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                .into(),
        );
        line.insert("level".into(), meta.level().as_str().into());
        line.insert("target".into(), meta.target().into());
        event.record(&mut JsonFields(&mut line));
        let span = event
            .parent()
            .and_then(|id| ctx.span(id))
            .or_else(|| ctx.lookup_current());
        if let Some(span) = span {
            let context = tracing::dispatcher::get_default(|dispatch| {
                tracing_opentelemetry::get_otel_context(&span.id(), dispatch)
            });
            if let Some(context) = context {
                let otel = context.span();
                let ids = otel.span_context();
                if ids.is_valid() {
                    line.insert("trace_id".into(), ids.trace_id().to_string().into());
                    line.insert("span_id".into(), ids.span_id().to_string().into());
                }
            }
        }
        writeln!(writer, "{}", serde_json::Value::Object(line))
    }
}

/// An event's fields as JSON members (`message` for its text).
struct JsonFields<'a>(&'a mut serde_json::Map<String, serde_json::Value>);

impl Visit for JsonFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
}
