//! Request metrics for /metrics (Prometheus text format): counts and latency
//! histograms per operation type.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Query,
    Mutation,
    Subscription,
    Invalid,
}

impl Operation {
    const ALL: [Operation; 4] = [
        Operation::Query,
        Operation::Mutation,
        Operation::Subscription,
        Operation::Invalid,
    ];

    fn label(self) -> &'static str {
        match self {
            Operation::Query => "query",
            Operation::Mutation => "mutation",
            Operation::Subscription => "subscription",
            Operation::Invalid => "invalid",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    errors: AtomicU64,
    /// Sum of latencies in microseconds.
    sum_micros: AtomicU64,
}

#[derive(Default)]
pub struct Metrics {
    operations: [Histogram; 4],
}

impl Metrics {
    pub fn record(&self, op: Operation, elapsed: Duration, failed: bool) {
        let h = &self.operations[op.index()];
        let seconds = elapsed.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        h.count.fetch_add(1, Ordering::Relaxed);
        h.sum_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
        if failed {
            h.errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Appends the request metrics in Prometheus text format.
    pub fn render(&self, out: &mut String) {
        out.push_str("# HELP quire_graphql_requests_total GraphQL operations served, by type.\n");
        out.push_str("# TYPE quire_graphql_requests_total counter\n");
        for op in Operation::ALL {
            let h = &self.operations[op.index()];
            let _ = writeln!(
                out,
                "quire_graphql_requests_total{{operation=\"{}\"}} {}",
                op.label(),
                h.count.load(Ordering::Relaxed)
            );
        }
        out.push_str(
            "# HELP quire_graphql_errors_total GraphQL operations answered with errors, by type.\n",
        );
        out.push_str("# TYPE quire_graphql_errors_total counter\n");
        for op in Operation::ALL {
            let h = &self.operations[op.index()];
            let _ = writeln!(
                out,
                "quire_graphql_errors_total{{operation=\"{}\"}} {}",
                op.label(),
                h.errors.load(Ordering::Relaxed)
            );
        }
        out.push_str(
            "# HELP quire_graphql_request_duration_seconds Time to answer GraphQL operations.\n",
        );
        out.push_str("# TYPE quire_graphql_request_duration_seconds histogram\n");
        for op in Operation::ALL {
            let h = &self.operations[op.index()];
            let label = op.label();
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "quire_graphql_request_duration_seconds_bucket{{operation=\"{label}\",le=\"{bound}\"}} {}",
                    h.buckets[i].load(Ordering::Relaxed)
                );
            }
            let count = h.count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "quire_graphql_request_duration_seconds_bucket{{operation=\"{label}\",le=\"+Inf\"}} {count}"
            );
            let sum = h.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(
                out,
                "quire_graphql_request_duration_seconds_sum{{operation=\"{label}\"}} {sum}"
            );
            let _ = writeln!(
                out,
                "quire_graphql_request_duration_seconds_count{{operation=\"{label}\"}} {count}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative() {
        let m = Metrics::default();
        m.record(Operation::Query, Duration::from_millis(3), false);
        m.record(Operation::Query, Duration::from_millis(30), true);
        let mut out = String::new();
        m.render(&mut out);
        assert!(out.contains("quire_graphql_requests_total{operation=\"query\"} 2"));
        assert!(out.contains("quire_graphql_errors_total{operation=\"query\"} 1"));
        assert!(out.contains(
            "quire_graphql_request_duration_seconds_bucket{operation=\"query\",le=\"0.005\"} 1"
        ));
        assert!(out.contains(
            "quire_graphql_request_duration_seconds_bucket{operation=\"query\",le=\"0.05\"} 2"
        ));
        assert!(
            out.contains("quire_graphql_request_duration_seconds_count{operation=\"query\"} 2")
        );
    }
}
