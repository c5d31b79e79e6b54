//! What bounds one client: the request timeout, the per-address rate limit (a token bucket),
//! and the body size ([`read_body`]); plus the one middleware ([`guard`]) that applies the
//! first two and records every request in the metrics.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{App, Problem};

/// At most this many client addresses are tracked; beyond it, buckets that have refilled are
/// forgotten (a full bucket carries no information), so memory stays bounded.
const MAX_CLIENTS: usize = 65_536;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A token bucket per client address: `rate` requests per second, bursts of `2 × rate`.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// A limiter of `rate` requests per second per address; 0 disables it.
    pub fn new(rate: u32) -> RateLimiter {
        RateLimiter {
            rate: f64::from(rate),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn burst(&self) -> f64 {
        self.rate * 2.0
    }

    /// Takes one token for `client`; `Err(seconds)` (until a token is back) when none is left.
    pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), f64> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        // A poisoned lock only means another request panicked while holding it; the map of
        // buckets is still usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            let (rate, burst) = (self.rate, self.burst());
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate < burst
            });
            if buckets.len() >= MAX_CLIENTS {
                // Every tracked client is busy: refuse the newcomer rather than grow.
                return Err(1.0);
            }
        }
        let burst = self.burst();
        let bucket = buckets.entry(client).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err((1.0 - bucket.tokens) / self.rate)
        }
    }
}

/// The middleware every request passes: the rate limit, the timeout, and the metrics.
pub async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    // The route's template (`/v1/versions/{version}`), never the raw path: the metrics' label
    // set stays bounded whatever clients request.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let response = match client.map(|ip| app.limiter.take(ip, started)) {
        Some(Err(wait)) => {
            let mut r = Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                format!(
                    "more than {} requests per second from this address; retry later",
                    app.config.rate_limit
                ),
            )
            .into_response();
            let secs = wait.ceil().max(1.0) as u64;
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                r.headers_mut().insert("retry-after", v);
            }
            r
        }
        _ => match tokio::time::timeout(app.config.timeout, next.run(request)).await {
            Ok(response) => response,
            Err(_) => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                format!(
                    "the request took longer than {} s and was abandoned",
                    app.config.timeout.as_secs_f64()
                ),
            )
            .into_response(),
        },
    };
    app.metrics.record(
        method.as_str(),
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// Reads a request body of at most `limit` bytes; a larger one is 413, without reading the
/// rest.
pub async fn read_body(body: Body, limit: usize) -> Result<Bytes, Problem> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let inner = e.into_inner();
        if inner.is::<http_body_util::LengthLimitError>() {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                format!(
                    "the request body is larger than the server's limit of {limit} bytes (serve --max-body)"
                ),
            )
        } else {
            Problem::bad_request(format!("cannot read the request body: {inner}"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_bucket_allows_a_burst_then_the_rate() {
        let limiter = RateLimiter::new(10);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..20 {
            assert!(limiter.take(ip, t0).is_ok());
        }
        let wait = limiter.take(ip, t0).unwrap_err();
        assert!(wait > 0.0 && wait <= 0.1, "{wait}");
        // 100 ms later one token is back.
        assert!(limiter.take(ip, t0 + Duration::from_millis(100)).is_ok());
        assert!(limiter.take(ip, t0 + Duration::from_millis(100)).is_err());
        // Another address has its own bucket.
        assert!(limiter.take("127.0.0.2".parse().unwrap(), t0).is_ok());
    }

    #[test]
    fn zero_disables_the_limit() {
        let limiter = RateLimiter::new(0);
        let ip: IpAddr = "::1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..10_000 {
            assert!(limiter.take(ip, t0).is_ok());
        }
    }
}
