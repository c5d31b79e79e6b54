//! Errors as JSON problem details (RFC 9457): every failure the service answers with is a
//! [`Problem`] — a status, a stable `code` (the last part of its `type` URN), and the same
//! sentence the command line prints for the same failure, so a client shows the CLI's message.
//!
//! Statuses follow what the failure means for the client: 400 a malformed request, 401/403
//! authentication, 404 an unknown version or proposal, 409 a refusal by the governance rules
//! (missing approvals, a stale parent, a reused number: the request was understood but the
//! store's current state does not allow it), 413 a body over the limit, 422 a well-formed
//! request whose content is wrong (an undecodable table, a bad signature), 429 the rate
//! limit, 500 a store that is damaged or unreadable, 503 a timeout or an unreachable backend.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use isa_history::HistoryError;
use serde_json::json;

/// One problem-details answer (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The HTTP status.
    pub status: StatusCode,
    /// Stable, machine-readable kind: `bad-request`, `refused`, `not-found`, … (documented in
    /// the OpenAPI document).
    pub code: &'static str,
    /// The human explanation: the command line's message for the same failure.
    pub detail: String,
}

impl Problem {
    /// A problem with this status, code and detail.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            code,
            detail: detail.into(),
        }
    }

    /// 400: the request itself is malformed (JSON syntax, a missing field, a bad parameter).
    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, "bad-request", detail)
    }

    /// 422: a well-formed request whose content cannot be accepted (a table that does not
    /// load or cannot be decoded, an advertisement that does not parse).
    pub fn invalid(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-content", detail)
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not-found", detail)
    }

    /// 500: something on the server's side failed (never caused by request data).
    pub fn internal(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", detail)
    }

    /// The problem's JSON document.
    pub fn body(&self) -> serde_json::Value {
        json!({
            "type": format!("urn:isa-authority:problem:{}", self.code),
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
            "code": self.code,
        })
    }
}

impl From<HistoryError> for Problem {
    fn from(e: HistoryError) -> Problem {
        let detail = e.to_string();
        match e {
            HistoryError::Refused(_) => Problem::new(StatusCode::CONFLICT, "refused", detail),
            HistoryError::UnknownProposal(_) | HistoryError::UnknownVersion(_) => {
                Problem::not_found(detail)
            }
            HistoryError::Invalid(_) | HistoryError::Key { .. } => Problem::invalid(detail),
            HistoryError::NotAStore(_) => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "no-store",
                // Not the path: the server's file system layout is none of the client's business.
                "the server's store is missing (no authority.json); `isa-authority init` creates one",
            ),
            HistoryError::Storage(_) => {
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, "storage-unavailable", detail)
            }
            HistoryError::Corrupt { .. }
            | HistoryError::Symlink(_)
            | HistoryError::Io { .. }
            | HistoryError::AlreadyExists(_) => {
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "store-error", detail)
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = isa_io::pretty_json(&self.body());
        let mut response = (self.status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_conflicts_and_unknowns_are_not_found() {
        let p = Problem::from(HistoryError::Refused("no quorum".into()));
        assert_eq!(p.status, StatusCode::CONFLICT);
        assert_eq!(p.body()["type"], "urn:isa-authority:problem:refused");
        assert_eq!(p.body()["detail"], "no quorum");
        let p = Problem::from(HistoryError::UnknownVersion("9.9.9".into()));
        assert_eq!(p.status, StatusCode::NOT_FOUND);
    }
}
