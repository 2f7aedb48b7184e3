//! The server's errors: one table from each error to a stable code, an HTTP status and a
//! Norwegian and English message, answered as `{"error": {"code", "message", "message_nb",
//! "message_en", "detail", "request_id"}}` and listed from the same table in the OpenAPI
//! document. Internal errors are logged with their cause; the client sees only a reference.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Declares [`Code`] and its table (Meilisearch's `make_error_codes!` is the model): one
/// line per error, so a code cannot exist without its status and both messages.
macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $status:ident, $nb:literal, $en:literal; )*) => {
        /// Every error the server answers with. The names are stable: clients match on them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $( $(#[$doc])* $variant, )* }

        impl Code {
            /// The whole table, in its order (the OpenAPI document lists it).
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable code (`invalid_month`).
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// The HTTP status it is answered with.
            pub fn status(self) -> StatusCode {
                match self { $(Code::$variant => StatusCode::$status,)* }
            }

            /// What went wrong, in bokmål.
            pub fn message_nb(self) -> &'static str {
                match self { $(Code::$variant => $nb,)* }
            }

            /// What went wrong, in English.
            pub fn message_en(self) -> &'static str {
                match self { $(Code::$variant => $en,)* }
            }
        }
    };
}

error_codes! {
    /// A required parameter is missing (`from`, `to`).
    MissingParameter = "missing_parameter", BAD_REQUEST,
        "en påkrevd parameter mangler", "a required parameter is missing";
    /// A month that is not `YYYY-MM` or a month number out of 1–12.
    InvalidMonth = "invalid_month", BAD_REQUEST,
        "ugyldig måned (ÅÅÅÅ-MM)", "invalid month (YYYY-MM)";
    /// `from` after `to`.
    ReversedPeriod = "reversed_period", BAD_REQUEST,
        "perioden starter etter at den slutter", "the period starts after it ends";
    /// An unknown grouping or filter key (`by`, `where`).
    UnknownKey = "unknown_key", BAD_REQUEST,
        "ukjent grupperings- eller filternøkkel", "unknown grouping or filter key";
    /// A filter that is not `key:value`.
    InvalidFilter = "invalid_filter", BAD_REQUEST,
        "ugyldig filter (nøkkel:verdi)", "invalid filter (key:value)";
    /// An indicator the registry does not compute.
    UnknownIndicator = "unknown_indicator", BAD_REQUEST,
        "ukjent indikator", "unknown indicator";
    /// `as_of` that is not a data version of this registry.
    InvalidDataVersion = "invalid_data_version", BAD_REQUEST,
        "ukjent dataversjon", "unknown data version";
    /// `structure` that is not the year of a loaded municipality structure.
    UnknownStructure = "unknown_structure", BAD_REQUEST,
        "ukjent kommunestruktur", "unknown municipality structure";
    /// A parameter of the wrong type or a body that is not what the route takes (the
    /// framework's own rejections, in this table's shape).
    MalformedRequest = "malformed_request", BAD_REQUEST,
        "ugyldig forespørsel", "malformed request";
    /// A CSV download asked for no or several indicators (a CSV holds one table).
    OneIndicatorPerCsv = "one_indicator_per_csv", BAD_REQUEST,
        "en CSV-fil har én indikator", "a CSV file holds one indicator";
    /// A multipart upload that cannot be read.
    MalformedUpload = "malformed_upload", BAD_REQUEST,
        "ugyldig opplasting", "malformed upload";
    /// An upload without its `file` part.
    NoFile = "no_file", BAD_REQUEST,
        "ingen fil", "no file";
    /// A report period that is not `YYYY-T1`–`YYYY-T3` or `YYYY`.
    InvalidPeriod = "invalid_period", BAD_REQUEST,
        "ugyldig rapportperiode", "invalid report period";
    /// An analysis asked with a parameter it cannot take (years, share, date, selection).
    InvalidAnalysis = "invalid_analysis", BAD_REQUEST,
        "ugyldig analyse", "invalid analysis";
    /// A release that cannot be made (months, an older data version).
    InvalidRelease = "invalid_release", BAD_REQUEST,
        "ugyldig publisering", "invalid release";
    /// A user that cannot be added (no name, unknown role, a name taken).
    InvalidUser = "invalid_user", BAD_REQUEST,
        "ugyldig bruker", "invalid user";
    /// No valid bearer token or session.
    Unauthorized = "unauthorized", UNAUTHORIZED,
        "gyldig tilgangsnøkkel kreves", "a valid bearer token is required";
    /// A valid user whose role does not allow this.
    RoleForbidden = "role_forbidden", FORBIDDEN,
        "rollen din gir ikke tilgang til dette", "your role does not allow this";
    /// A centre asking for another centre's data.
    OtherCentre = "other_centre", FORBIDDEN,
        "dataene tilhører en annen sentral", "the data belong to another centre";
    /// A form post from another site or without the session's CSRF token.
    CrossSite = "cross_site", FORBIDDEN,
        "forespørselen kom ikke fra dette nettstedet", "the request did not come from this site";
    /// No such page or route.
    PageNotFound = "page_not_found", NOT_FOUND,
        "siden finnes ikke", "no such page";
    /// No such centre.
    CentreNotFound = "centre_not_found", NOT_FOUND,
        "sentralen finnes ikke", "no such centre";
    /// No such submission, or a submission without a report.
    SubmissionNotFound = "submission_not_found", NOT_FOUND,
        "innsendingen finnes ikke", "no such submission";
    /// No enabled user of that name.
    UserNotFound = "user_not_found", NOT_FOUND,
        "brukeren finnes ikke", "no such user";
    /// Nothing has been released yet: no figure is public (DOMAIN.md §12).
    NothingReleased = "nothing_released", NOT_FOUND,
        "ingen tall er publisert ennå", "nothing is published yet";
    /// Months after the release's last, or a data version that is in no release.
    NotReleased = "not_released", NOT_FOUND,
        "ikke publisert", "not released";
    /// An upload byte for byte the current version of its centre and period: not stored
    /// again (it would be a new data version with nothing new).
    IdenticalResubmission = "identical_resubmission", CONFLICT,
        "filen er identisk med gjeldende versjon og er ikke lagret på nytt",
        "the file is identical to the current version and was not stored again";
    /// A body larger than the server takes.
    PayloadTooLarge = "payload_too_large", PAYLOAD_TOO_LARGE,
        "filen er for stor", "the file is too large";
    /// Too many failed sign-ins from one client: wait and try again.
    TooManyAttempts = "too_many_attempts", TOO_MANY_REQUESTS,
        "for mange mislykkede forsøk", "too many failed attempts";
    /// As many uploads as the server takes at once are running.
    Busy = "busy", SERVICE_UNAVAILABLE,
        "tjenesten er opptatt, prøv igjen", "the service is busy, try again";
    /// The server cannot publish figures: it runs without the registry's key (fail closed).
    PublicationUnavailable = "publication_unavailable", SERVICE_UNAVAILABLE,
        "tallene kan ikke publiseres av denne serveren", "this server cannot publish figures";
    /// A bug or a broken data directory: not the user's fault. Logged; the client gets a
    /// reference to the log line.
    Internal = "internal", INTERNAL_SERVER_ERROR,
        "intern feil", "internal error";
}

/// An error answered to a client: its code and what the user may read of it. For an
/// internal error the detail is the cause, which goes to the log only.
#[derive(Debug)]
pub struct AppError {
    pub code: Code,
    detail: String,
    /// Refused by an extractor, before any handler ran (so nothing has audited it).
    rejected: bool,
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.detail.is_empty() {
            f.write_str(self.code.message_en())
        } else {
            write!(f, "{}: {}", self.code.message_en(), self.detail)
        }
    }
}

impl std::error::Error for AppError {}

impl AppError {
    /// An error of the table with a detail the user may read (which parameter, which file).
    pub fn new(code: Code, detail: impl Into<String>) -> AppError {
        AppError { code, detail: detail.into(), rejected: false }
    }

    /// An error of the table with no more to say than its message.
    pub fn bare(code: Code) -> AppError {
        AppError { code, detail: String::new(), rejected: false }
    }

    /// The detail (for an internal error: the cause that only the log sees).
    pub fn detail(&self) -> &str {
        &self.detail
    }

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
        AppError::new(Code::Internal, text)
    }

    /// Public figures asked of a server without the registry's key: without record keys
    /// every cell key is known and the noise with it, so nothing is published (fail closed).
    pub fn no_record_keys() -> AppError {
        AppError::new(
            Code::PublicationUnavailable,
            "public figures need the record keys of the registry's key (serve with --key-file)",
        )
    }

    /// A request refused by the indicator request's rules, with the parameter named as the
    /// query string names it.
    pub fn request(e: &akutt_indicators::RequestError) -> AppError {
        use akutt_indicators::RequestError as E;
        let code = match e {
            E::Missing(_) => Code::MissingParameter,
            E::Month { .. } => Code::InvalidMonth,
            E::Reversed(_) => Code::ReversedPeriod,
            E::UnknownKey { .. } => Code::UnknownKey,
            E::NotAFilter(_) => Code::InvalidFilter,
            E::UnknownIndicator(_) => Code::UnknownIndicator,
            E::AsOf(_) => Code::InvalidDataVersion,
            E::Structure(_) => Code::UnknownStructure,
        };
        AppError::new(code, e.for_api().to_string())
    }
}

impl From<akutt_store::StoreError> for AppError {
    fn from(e: akutt_store::StoreError) -> Self {
        AppError::internal(e)
    }
}

tokio::task_local! {
    /// The id of the request being answered (set by the logging middleware), so an error's
    /// body and its log line carry the same reference.
    pub static REQUEST_ID: String;
}

/// The current request's id, or a fresh one outside a request.
pub fn request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_else(|_| new_request_id())
}

/// Twelve random hex digits.
pub fn new_request_id() -> String {
    let mut id = [0u8; 6];
    let _ = getrandom::fill(&mut id);
    hex::encode(id)
}

/// Marks an answer as an error of the table, and whether an extractor refused the request
/// before its handler ran (the middleware audits such refusals on the restricted area).
#[derive(Debug, Clone, Copy)]
pub struct Answered {
    pub code: Code,
    pub rejected: bool,
}

/// What a client is told of an error (the detail masked of fødselsnummer-like digits; for a
/// server error only the reference of its log line).
pub struct Told {
    pub code: Code,
    pub detail: String,
    /// Both messages and the detail: `nb / en: detail`.
    pub message: String,
    pub request_id: String,
}

impl AppError {
    /// Logs a server error with its cause and the request's id, and gives what the client
    /// may be told. Call once per answer.
    pub fn tell(&self) -> Told {
        let code = self.code;
        let id = request_id();
        let detail = akutt_model::fnr::mask_fnr(&self.detail).into_owned();
        let detail = if code.status().is_server_error() {
            tracing::error!(request_id = %id, code = code.name(), cause = %detail, "request failed");
            format!("referanse {id} / reference {id}")
        } else {
            detail
        };
        let message = if detail.is_empty() {
            format!("{} / {}", code.message_nb(), code.message_en())
        } else {
            format!("{} / {}: {detail}", code.message_nb(), code.message_en())
        };
        Told { code, detail, message, request_id: id }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let code = self.code;
        let status = code.status();
        let Told { detail, message, request_id: id, .. } = self.tell();
        let body = serde_json::json!({ "error": {
            "code": code.name(),
            "message": message,
            "message_nb": code.message_nb(),
            "message_en": code.message_en(),
            "detail": detail,
            "request_id": id,
        }});
        let mut r = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert("www-authenticate", axum::http::HeaderValue::from_static("Bearer"));
        }
        r.extensions_mut().insert(Answered { code, rejected: self.rejected });
        r
    }
}

/// The error table as the OpenAPI document's schema of an error answer.
pub fn openapi_schema() -> serde_json::Value {
    let codes: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
    let table: Vec<serde_json::Value> = Code::ALL
        .iter()
        .map(|c| {
            serde_json::json!({
                "code": c.name(), "status": c.status().as_u16(),
                "message_nb": c.message_nb(), "message_en": c.message_en(),
            })
        })
        .collect();
    serde_json::json!({
        "type": "object",
        "required": ["error"],
        "properties": { "error": {
            "type": "object",
            "required": ["code", "message", "request_id"],
            "properties": {
                "code": { "type": "string", "enum": codes },
                "message": { "type": "string", "description": "bokmål / English, with the detail" },
                "message_nb": { "type": "string" },
                "message_en": { "type": "string" },
                "detail": { "type": "string", "description": "which parameter or file; for a server error, the reference of its log line" },
                "request_id": { "type": "string", "description": "also in the `x-request-id` header and the server's log" },
            },
        }},
        "x-error-codes": table,
    })
}

/// The framework's extractors, whose rejections answer in the table's shape
/// (`malformed_request`, or `payload_too_large` for a body over the limit).
pub mod extract {
    use super::{AppError, Code};
    use axum::extract::{FromRequest, FromRequestParts, Request};
    use axum::http::request::Parts;
    use axum::http::StatusCode;

    fn rejected(status: StatusCode, text: String) -> AppError {
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            Code::PayloadTooLarge
        } else {
            Code::MalformedRequest
        };
        AppError { rejected: true, ..AppError::new(code, text) }
    }

    /// `axum::extract::Query`, refusing in the table's shape.
    pub struct Query<T>(pub T);

    impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
        type Rejection = AppError;
        async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
            match axum::extract::Query::<T>::from_request_parts(parts, state).await {
                Ok(axum::extract::Query(v)) => Ok(Query(v)),
                Err(e) => Err(rejected(e.status(), e.body_text())),
            }
        }
    }

    /// `axum::extract::Path`, refusing in the table's shape.
    pub struct Path<T>(pub T);

    impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
        type Rejection = AppError;
        async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
            match axum::extract::Path::<T>::from_request_parts(parts, state).await {
                Ok(axum::extract::Path(v)) => Ok(Path(v)),
                Err(e) => Err(rejected(e.status(), e.body_text())),
            }
        }
    }

    /// `axum::Form`, refusing in the table's shape.
    pub struct Form<T>(pub T);

    impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
        type Rejection = AppError;
        async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
            match axum::Form::<T>::from_request(req, state).await {
                Ok(axum::Form(v)) => Ok(Form(v)),
                Err(e) => Err(rejected(e.status(), e.body_text())),
            }
        }
    }
}
