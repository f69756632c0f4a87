//! `AppError`: the one error type of the server, with one exhaustive mapping to an HTTP status
//! and a stable machine code. Responses carry an [`ErrorInfo`] extension; the `render_errors`
//! middleware turns it into the JSON body of DESIGN.md (`/api/…`) or an HTML page (elsewhere),
//! and gives 5xx answers a generic message with the request id that is also in the log.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    Validation {
        field: Option<String>,
        message: String,
    },
    #[error("authentication required")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("request body is too large")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{message}")]
    Unprocessable {
        field: Option<String>,
        message: String,
    },
    #[error("too many requests; retry in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

/// What the renderer needs to know about an error response.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

impl AppError {
    pub fn validation(field: &str, message: impl Into<String>) -> AppError {
        AppError::Validation {
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> AppError {
        AppError::Internal(e.into())
    }

    /// The exhaustive mapping: status and stable code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::Validation { .. } => (StatusCode::BAD_REQUEST, "validation_failed"),
            AppError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            AppError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            AppError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            AppError::Unprocessable { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "unprocessable"),
            AppError::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// Stable code for statuses produced outside handlers (fallback 404, 405, body limit, timeout).
pub fn code_for_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "timeout",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "unprocessable",
        429 => "rate_limited",
        s if s >= 500 => "internal",
        _ => "error",
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let (message, field) = match &self {
            AppError::Validation { field, message }
            | AppError::Unprocessable { field, message } => (message.clone(), field.clone()),
            AppError::Internal(e) => {
                // The detail goes to the log (with the request id, added by the span); the
                // body stays generic.
                tracing::error!(error = %format!("{e:#}"), "internal error");
                ("internal error".to_owned(), None)
            }
            other => (other.to_string(), None),
        };
        let mut res = status.into_response();
        if let AppError::TooManyRequests { retry_after_secs } = self
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.max(1).to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if let AppError::Unauthorized = self {
            // RFC 6750 §3: tell the client which scheme to use.
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"embargo\""),
            );
        }
        res.extensions_mut().insert(ErrorInfo {
            code,
            message,
            field,
        });
        res
    }
}

impl From<embargo_store::StoreError> for AppError {
    fn from(e: embargo_store::StoreError) -> Self {
        match e {
            embargo_store::StoreError::NotFound(_) => AppError::NotFound,
            embargo_store::StoreError::Conflict(m) => AppError::Conflict(m),
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<embargo_store::DbErr> for AppError {
    fn from(e: embargo_store::DbErr) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<axum::extract::rejection::JsonRejection> for AppError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection as J;
        match r {
            J::MissingJsonContentType(_) => {
                AppError::UnsupportedMediaType("expected Content-Type: application/json".into())
            }
            J::JsonDataError(e) => AppError::Unprocessable {
                field: None,
                message: e.body_text(),
            },
            J::JsonSyntaxError(e) => AppError::Validation {
                field: None,
                message: e.body_text(),
            },
            J::BytesRejection(_) => AppError::PayloadTooLarge,
            other => AppError::Validation {
                field: None,
                message: other.body_text(),
            },
        }
    }
}

impl From<axum::extract::rejection::FormRejection> for AppError {
    fn from(r: axum::extract::rejection::FormRejection) -> Self {
        use axum::extract::rejection::FormRejection as F;
        match r {
            F::InvalidFormContentType(_) => AppError::UnsupportedMediaType(
                "expected Content-Type: application/x-www-form-urlencoded".into(),
            ),
            F::BytesRejection(_) => AppError::PayloadTooLarge,
            other => AppError::Validation {
                field: None,
                message: other.body_text(),
            },
        }
    }
}

/// JSON body extractor whose rejections are `AppError`s.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Form body extractor whose rejections are `AppError`s.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequest)]
#[from_request(via(axum::Form), rejection(AppError))]
pub struct Form<T>(pub T);

pub type AppResult<T> = Result<T, AppError>;
