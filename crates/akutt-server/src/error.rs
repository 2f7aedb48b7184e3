//! The server's errors: one table from each error to a stable code, an HTTP status and a JSON
//! body `{"error": {"code", "message"}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is wrong (a parameter, a value): the user can fix it.
    #[error("{0}")]
    BadRequest(String),
    /// No valid token.
    #[error("a valid bearer token is required")]
    Unauthorized,
    /// A valid user without access to this resource.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The upload is larger than the server takes.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Too many failed attempts from one client: wait (seconds) and try again.
    #[error("{0}")]
    TooManyRequests(String),
    /// The server is receiving as many uploads as it takes at once.
    #[error("{0}")]
    Busy(String),
    /// A bug or a broken data directory: not the user's fault.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// The stable code, HTTP status of each error.
    pub fn code_and_status(&self) -> (&'static str, StatusCode) {
        match self {
            AppError::BadRequest(_) => ("bad_request", StatusCode::BAD_REQUEST),
            AppError::Unauthorized => ("unauthorized", StatusCode::UNAUTHORIZED),
            AppError::Forbidden(_) => ("forbidden", StatusCode::FORBIDDEN),
            AppError::NotFound(_) => ("not_found", StatusCode::NOT_FOUND),
            AppError::PayloadTooLarge(_) => ("payload_too_large", StatusCode::PAYLOAD_TOO_LARGE),
            AppError::Busy(_) => ("busy", StatusCode::SERVICE_UNAVAILABLE),
            AppError::TooManyRequests(_) => ("too_many_requests", StatusCode::TOO_MANY_REQUESTS),
            AppError::Internal(_) => ("internal", StatusCode::INTERNAL_SERVER_ERROR),
        }
    }
}

impl AppError {
    /// An internal error with its whole chain of causes on one line (`catalog: disk I/O error`):
    /// library errors say only their own part and keep the cause as their `source`.
    pub fn internal(e: impl std::error::Error) -> AppError {
        let mut text = e.to_string();
        let mut cause = e.source();
        while let Some(c) = cause {
            text.push_str(": ");
            text.push_str(&c.to_string());
            cause = c.source();
        }
        AppError::Internal(text)
    }
}

impl AppError {
    /// Public figures asked of a server without the registry's key: without record keys
    /// every cell key is known and the noise with it, so nothing is published (fail closed).
    pub fn no_record_keys() -> AppError {
        AppError::Internal(
            "public figures need the record keys of the registry's key (serve with --key-file)"
                .into(),
        )
    }
}

impl From<akutt_store::StoreError> for AppError {
    fn from(e: akutt_store::StoreError) -> Self {
        AppError::internal(e)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (code, status) = self.code_and_status();
        let message = match &self {
            // The details (paths, store errors) go to the server's log only; the client gets
            // a reference to find them there.
            AppError::Internal(detail) => {
                let mut id = [0u8; 6];
                let _ = getrandom::fill(&mut id);
                let id = hex::encode(id);
                eprintln!(
                    "akutt-server: internal error ref={id}: {}",
                    akutt_model::fnr::mask_fnr(detail)
                );
                format!("intern feil, referanse {id} / internal error, reference {id}")
            }
            other => other.to_string(),
        };
        let mut r =
            (status, Json(serde_json::json!({ "error": { "code": code, "message": message } })))
                .into_response();
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert("www-authenticate", axum::http::HeaderValue::from_static("Bearer"));
        }
        r
    }
}
