//! Logs and traces: where they go and in what format.
//!
//! Logs go to stderr as text (coloured only on a terminal) or as JSON
//! lines; `RUST_LOG` filters them. Traces are exported over OTLP/HTTP only
//! when an endpoint is configured.

use std::io::IsTerminal;

use clap::{Args, ValueEnum};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
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

/// Flushes exported spans when dropped (at the end of `main`).
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(err) = provider.shutdown()
        {
            eprintln!("quire: could not flush traces: {err}");
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
                .json()
                .flatten_event(true)
                .with_current_span(false)
                .with_span_list(false)
                .with_writer(std::io::stderr)
                .with_filter(filter())
                .boxed(),
        };
        let provider = self
            .otlp_endpoint
            .as_deref()
            .map(tracer_provider)
            .transpose()?;
        let traces = provider.as_ref().map(|provider| {
            tracing_opentelemetry::layer()
                .with_tracer(provider.tracer("quire"))
                .with_filter(EnvFilter::new("quire=info"))
        });
        tracing_subscriber::registry()
            .with(logs)
            .with(traces)
            .try_init()?;
        Ok(Telemetry { provider })
    }
}

/// Batches spans to `{endpoint}/v1/traces` as OTLP protobuf over HTTP.
fn tracer_provider(endpoint: &str) -> anyhow::Result<SdkTracerProvider> {
    let url = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_endpoint(url)
        .build()?;
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name("quire")
        .build();
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build())
}
