//! Request metrics in the Prometheus text exposition format (version 0.0.4), served at
//! `/metrics`: a counter of requests by method, route template and status, and a latency
//! histogram by route. Labels are route templates, never raw paths, so their number is fixed
//! by the router, not by what clients send.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram's buckets, in seconds.
pub const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

/// The server's counters (see the module documentation).
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// Counts one answered request.
    pub fn record(&self, method: &str, route: &str, status: u16, took: Duration) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *inner
            .requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let h = inner.latency.entry(route.to_string()).or_default();
        let secs = took.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        out.push_str(
            "# HELP isa_http_requests_total Requests answered, by method, route and status.\n",
        );
        out.push_str("# TYPE isa_http_requests_total counter\n");
        for ((method, route, status), n) in &inner.requests {
            let _ = writeln!(
                out,
                "isa_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(method),
                escape(route)
            );
        }
        out.push_str(
            "# HELP isa_http_request_duration_seconds Time to answer a request, by route.\n",
        );
        out.push_str("# TYPE isa_http_request_duration_seconds histogram\n");
        for (route, h) in &inner.latency {
            let route = escape(route);
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "isa_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "isa_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "isa_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "isa_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_cumulative_buckets() {
        let m = Metrics::default();
        m.record("GET", "/v1/versions", 200, Duration::from_micros(300));
        m.record("GET", "/v1/versions", 200, Duration::from_millis(20));
        m.record("POST", "/v1/check", 422, Duration::from_millis(2));
        let text = m.render();
        assert!(text.contains(
            "isa_http_requests_total{method=\"GET\",route=\"/v1/versions\",status=\"200\"} 2\n"
        ));
        assert!(text.contains(
            "isa_http_requests_total{method=\"POST\",route=\"/v1/check\",status=\"422\"} 1\n"
        ));
        assert!(text.contains(
            "isa_http_request_duration_seconds_bucket{route=\"/v1/versions\",le=\"0.0005\"} 1\n"
        ));
        assert!(text.contains(
            "isa_http_request_duration_seconds_bucket{route=\"/v1/versions\",le=\"0.025\"} 2\n"
        ));
        assert!(text.contains("isa_http_request_duration_seconds_count{route=\"/v1/check\"} 1\n"));
    }
}
