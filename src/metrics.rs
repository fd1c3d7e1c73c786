//! Metrics for /metrics in the Prometheus text format, kept by the
//! `prometheus` crate: HTTP responses by route and status, GraphQL
//! operations by type and name (count, errors, latency), WebSocket
//! connections, file bytes in and out, the database and event reader's
//! counters, and the process (CPU, memory, open files).

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

/// Latency bucket bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Distinct operation names given their own series; later ones count as
/// `other`, so clients cannot grow the metrics without bound.
const MAX_OPERATION_NAMES: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    Query,
    Mutation,
    Subscription,
    Invalid,
}

impl Operation {
    fn label(self) -> &'static str {
        match self {
            Operation::Query => "query",
            Operation::Mutation => "mutation",
            Operation::Subscription => "subscription",
            Operation::Invalid => "invalid",
        }
    }
}

/// Values owned elsewhere, read at each scrape.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Snapshot {
    pub sql_statements: u64,
    pub active_subscriptions: u64,
    pub events_delivered: u64,
    pub reader_position: i64,
    /// None when the outbox could not be read.
    pub reader_lag: Option<i64>,
}

pub(crate) struct Metrics {
    registry: Registry,
    http_responses: IntCounterVec,
    operations: IntCounterVec,
    operation_errors: IntCounterVec,
    operation_seconds: HistogramVec,
    ws_open: IntGauge,
    ws_accepted: IntCounter,
    file_bytes_received: IntCounter,
    file_bytes_sent: IntCounter,
    sql_statements: IntCounter,
    active_subscriptions: IntGauge,
    events_delivered: IntCounter,
    reader_position: IntGauge,
    reader_lag: IntGauge,
    /// Operation names that have their own series.
    names: Mutex<HashSet<String>>,
    /// One scrape at a time, so counters copied from elsewhere stay exact.
    scrape: Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

fn counter(registry: &Registry, name: &str, help: &str) -> IntCounter {
    let c = IntCounter::new(name, help).expect("a valid metric");
    registry
        .register(Box::new(c.clone()))
        .expect("registered once");
    c
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    let g = IntGauge::new(name, help).expect("a valid metric");
    registry
        .register(Box::new(g.clone()))
        .expect("registered once");
    g
}

fn counter_vec(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), labels).expect("a valid metric");
    registry
        .register(Box::new(c.clone()))
        .expect("registered once");
    c
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let registry = Registry::new();
        #[cfg(target_os = "linux")]
        registry
            .register(Box::new(
                prometheus::process_collector::ProcessCollector::for_self(),
            ))
            .expect("registered once");
        let operation_seconds = HistogramVec::new(
            HistogramOpts::new(
                "quire_graphql_operation_duration_seconds",
                "Time to answer GraphQL operations, by type and operation name.",
            )
            .buckets(BUCKETS.to_vec()),
            &["type", "name"],
        )
        .expect("a valid metric");
        registry
            .register(Box::new(operation_seconds.clone()))
            .expect("registered once");
        Metrics {
            http_responses: counter_vec(
                &registry,
                "quire_http_responses_total",
                "HTTP responses, by route, method and status.",
                &["route", "method", "status"],
            ),
            operations: counter_vec(
                &registry,
                "quire_graphql_operations_total",
                "GraphQL operations answered, by type and operation name.",
                &["type", "name"],
            ),
            operation_errors: counter_vec(
                &registry,
                "quire_graphql_operation_errors_total",
                "GraphQL operations answered with errors, by type and operation name.",
                &["type", "name"],
            ),
            operation_seconds,
            ws_open: gauge(
                &registry,
                "quire_websocket_connections",
                "WebSocket connections open now.",
            ),
            ws_accepted: counter(
                &registry,
                // Not `quire_websocket_connections_total`: OpenMetrics reads
                // that as the gauge's family and the two collapse into one.
                "quire_websocket_accepted_total",
                "WebSocket connections accepted since start.",
            ),
            file_bytes_received: counter(
                &registry,
                "quire_file_bytes_received_total",
                "Bytes of files received from clients (uploads).",
            ),
            file_bytes_sent: counter(
                &registry,
                "quire_file_bytes_sent_total",
                "Bytes of files sent to clients (downloads).",
            ),
            sql_statements: counter(
                &registry,
                "quire_sql_statements_total",
                "SQL statements run since start.",
            ),
            active_subscriptions: gauge(
                &registry,
                "quire_active_subscriptions",
                "Subscriptions being served now.",
            ),
            events_delivered: counter(
                &registry,
                "quire_events_delivered_total",
                "Outbox events the reader has handed out.",
            ),
            reader_position: gauge(
                &registry,
                "quire_event_reader_position",
                "The last outbox position handed out.",
            ),
            reader_lag: gauge(
                &registry,
                "quire_event_reader_lag_events",
                "Committed outbox events the reader has not handed out yet.",
            ),
            registry,
            names: Mutex::new(HashSet::new()),
            scrape: Mutex::new(()),
        }
    }

    /// One HTTP response; `route` is the matched route template.
    pub(crate) fn http_response(&self, route: &str, method: &str, status: u16) {
        self.http_responses
            .with_label_values(&[route, method, &status.to_string()])
            .inc();
    }

    /// One GraphQL operation answered.
    pub(crate) fn operation(
        &self,
        op: Operation,
        name: Option<&str>,
        elapsed: Duration,
        failed: bool,
    ) {
        let name = self.name_label(name);
        let labels = [op.label(), name.as_str()];
        self.operations.with_label_values(&labels).inc();
        if failed {
            self.operation_errors.with_label_values(&labels).inc();
        }
        self.operation_seconds
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// The series label of an operation name: empty for anonymous ones,
    /// `other` past the bound or for a name that is not a GraphQL name.
    fn name_label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return String::new();
        };
        let valid = name.len() <= 64
            && name.starts_with(|c: char| c == '_' || c.is_ascii_alphabetic())
            && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
        if !valid {
            return "other".into();
        }
        let mut names = self.names.lock().unwrap_or_else(|e| e.into_inner());
        if names.contains(name) || names.len() < MAX_OPERATION_NAMES {
            names.insert(name.to_owned());
            name.to_owned()
        } else {
            "other".into()
        }
    }

    /// A WebSocket accepted; the guard counts it open until dropped.
    pub(crate) fn websocket(self: &std::sync::Arc<Self>) -> OpenSocket {
        self.ws_accepted.inc();
        self.ws_open.inc();
        OpenSocket(self.clone())
    }

    pub(crate) fn file_received(&self, bytes: u64) {
        self.file_bytes_received.inc_by(bytes);
    }

    pub(crate) fn file_sent(&self, bytes: u64) {
        self.file_bytes_sent.inc_by(bytes);
    }

    /// Everything, in the Prometheus text format.
    pub(crate) fn render(&self, now: Snapshot) -> String {
        let _one = self.scrape.lock().unwrap_or_else(|e| e.into_inner());
        catch_up(&self.sql_statements, now.sql_statements);
        catch_up(&self.events_delivered, now.events_delivered);
        self.active_subscriptions
            .set(i64::try_from(now.active_subscriptions).unwrap_or(i64::MAX));
        self.reader_position.set(now.reader_position);
        if let Some(lag) = now.reader_lag {
            self.reader_lag.set(lag.max(0));
        }
        let mut out = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::warn!(error = %err, "could not encode metrics");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// Brings a counter up to a total counted elsewhere.
fn catch_up(counter: &IntCounter, total: u64) {
    let seen = counter.get();
    if total > seen {
        counter.inc_by(total - seen);
    }
}

/// Counts a WebSocket as open while it lives.
pub(crate) struct OpenSocket(std::sync::Arc<Metrics>);

impl Drop for OpenSocket {
    fn drop(&mut self) {
        self.0.ws_open.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_counted_by_type_and_name() {
        let m = Metrics::new();
        m.operation(
            Operation::Query,
            Some("ReviewPage"),
            Duration::from_millis(3),
            false,
        );
        m.operation(
            Operation::Query,
            Some("ReviewPage"),
            Duration::from_millis(30),
            true,
        );
        let out = m.render(Snapshot::default());
        assert!(
            out.contains(r#"quire_graphql_operations_total{name="ReviewPage",type="query"} 2"#),
            "{out}"
        );
        assert!(
            out.contains(
                r#"quire_graphql_operation_errors_total{name="ReviewPage",type="query"} 1"#
            )
        );
        assert!(out.contains(
            r#"quire_graphql_operation_duration_seconds_bucket{name="ReviewPage",type="query",le="0.005"} 1"#
        ));
        assert!(out.contains(
            r#"quire_graphql_operation_duration_seconds_bucket{name="ReviewPage",type="query",le="0.05"} 2"#
        ));
    }

    #[test]
    fn operation_names_are_bounded() {
        let m = Metrics::new();
        for i in 0..MAX_OPERATION_NAMES + 5 {
            m.operation(
                Operation::Query,
                Some(&format!("Op{i}")),
                Duration::ZERO,
                false,
            );
        }
        m.operation(Operation::Query, Some("not a name!"), Duration::ZERO, false);
        let out = m.render(Snapshot::default());
        assert!(
            out.contains(r#"quire_graphql_operations_total{name="other",type="query"} 6"#),
            "{out}"
        );
        assert!(!out.contains(&format!("Op{}", MAX_OPERATION_NAMES + 1)));
    }

    #[test]
    fn copied_counters_follow_their_source() {
        let m = Metrics::new();
        m.render(Snapshot {
            sql_statements: 5,
            ..Default::default()
        });
        let out = m.render(Snapshot {
            sql_statements: 9,
            ..Default::default()
        });
        assert!(out.contains("quire_sql_statements_total 9"), "{out}");
    }
}
