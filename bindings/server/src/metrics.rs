//! Prometheus text-format metrics: request counts by route and status, latency histograms by
//! route, lookups by registry status, rate-limit rejections.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Latency histogram bucket bounds, in seconds.
pub const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The routes metrics are kept for (bounded label set: never the raw path).
pub const ROUTES: [&str; 7] = [
    "lookup", "verify", "healthz", "metrics", "web", "page", "other",
];

/// Lookup outcomes counted by `saoy_lookups_total{status=…}`.
pub const LOOKUP_STATUSES: [&str; 5] = ["valid", "revoked", "unknown", "malformed", "unavailable"];

#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

/// All counters of one service instance.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
    latency: [Histogram; ROUTES.len()],
    lookups: [AtomicU64; LOOKUP_STATUSES.len()],
    rate_limited: AtomicU64,
    verifications: Mutex<BTreeMap<String, u64>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

fn route_index(route: &str) -> usize {
    ROUTES
        .iter()
        .position(|r| *r == route)
        .unwrap_or(ROUTES.len() - 1)
}

impl Metrics {
    /// Record one finished request.
    pub fn request(&self, route: &'static str, status: u16, took: Duration) {
        let route = ROUTES[route_index(route)];
        *self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((route, status))
            .or_default() += 1;
        let h = &self.latency[route_index(route)];
        let secs = took.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                h.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        h.count.fetch_add(1, Ordering::Relaxed);
        h.sum_micros.fetch_add(
            u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// Count a lookup outcome (one of [`LOOKUP_STATUSES`]).
    pub fn lookup(&self, status: &str) {
        if let Some(i) = LOOKUP_STATUSES.iter().position(|s| *s == status) {
            self.lookups[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Count a rate-limited request.
    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// Count a verification verdict.
    pub fn verification(&self, verdict: &str) {
        *self
            .verifications
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(verdict.to_string())
            .or_default() += 1;
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP saoy_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE saoy_http_requests_total counter\n");
        for ((route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "saoy_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP saoy_http_request_duration_seconds Request latency by route.\n");
        out.push_str("# TYPE saoy_http_request_duration_seconds histogram\n");
        for (i, route) in ROUTES.iter().enumerate() {
            let h = &self.latency[i];
            let count = h.count.load(Ordering::Relaxed);
            if count == 0 {
                continue;
            }
            for (j, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "saoy_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {}",
                    h.buckets[j].load(Ordering::Relaxed)
                );
            }
            let _ = writeln!(
                out,
                "saoy_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "saoy_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
            );
            let _ = writeln!(
                out,
                "saoy_http_request_duration_seconds_count{{route=\"{route}\"}} {count}"
            );
        }
        out.push_str("# HELP saoy_lookups_total Code lookups by outcome.\n");
        out.push_str("# TYPE saoy_lookups_total counter\n");
        for (i, s) in LOOKUP_STATUSES.iter().enumerate() {
            let _ = writeln!(
                out,
                "saoy_lookups_total{{status=\"{s}\"}} {}",
                self.lookups[i].load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP saoy_verifications_total PDF verifications by verdict.\n");
        out.push_str("# TYPE saoy_verifications_total counter\n");
        for (v, n) in self
            .verifications
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(out, "saoy_verifications_total{{verdict=\"{v}\"}} {n}");
        }
        out.push_str(
            "# HELP saoy_rate_limited_total Requests refused by the per-address rate limit.\n",
        );
        out.push_str("# TYPE saoy_rate_limited_total counter\n");
        let _ = writeln!(
            out,
            "saoy_rate_limited_total {}",
            self.rate_limited.load(Ordering::Relaxed)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_cumulative_buckets() {
        let m = Metrics::default();
        m.request("lookup", 200, Duration::from_micros(700));
        m.request("lookup", 200, Duration::from_millis(30));
        m.request("lookup", 429, Duration::from_micros(10));
        m.request("nonsense", 404, Duration::from_micros(10));
        m.lookup("revoked");
        m.lookup("not-a-status");
        m.rate_limited();
        m.verification("valid");
        let t = m.render();
        assert!(t.contains("saoy_http_requests_total{route=\"lookup\",status=\"200\"} 2\n"));
        assert!(t.contains("saoy_http_requests_total{route=\"lookup\",status=\"429\"} 1\n"));
        assert!(t.contains("saoy_http_requests_total{route=\"other\",status=\"404\"} 1\n"));
        assert!(t.contains(
            "saoy_http_request_duration_seconds_bucket{route=\"lookup\",le=\"0.001\"} 2\n"
        ));
        assert!(t.contains(
            "saoy_http_request_duration_seconds_bucket{route=\"lookup\",le=\"0.05\"} 3\n"
        ));
        assert!(t.contains("saoy_http_request_duration_seconds_count{route=\"lookup\"} 3\n"));
        assert!(t.contains("saoy_lookups_total{status=\"revoked\"} 1\n"));
        assert!(t.contains("saoy_lookups_total{status=\"valid\"} 0\n"));
        assert!(t.contains("saoy_verifications_total{verdict=\"valid\"} 1\n"));
        assert!(t.contains("saoy_rate_limited_total 1\n"));
    }
}
