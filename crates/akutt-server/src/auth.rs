//! The restricted area: users with a role (`admin`, `analyst`, `centre:CODE`) and a bearer
//! token (stored only as its SHA-256); a centre user sees only its own centre; every
//! restricted request, allowed or not, goes to the audit log.

use std::sync::Arc;

use crate::error::extract::Path;
use crate::Code;
use akutt_store::{Catalog, DataDir};
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::Json;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{AppError, AppState};

/// A signed-in user.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub name: String,
    pub role: Role,
    /// The form token of a user signed in by cookie: every POST of theirs must carry it
    /// (CSRF). `None` for a bearer token, which a browser never sends on its own.
    pub csrf: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    Admin,
    Analyst,
    Centre(String),
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim() {
            "admin" => Some(Role::Admin),
            "analyst" => Some(Role::Analyst),
            other => {
                let code = other.strip_prefix("centre:")?.trim().to_uppercase();
                akutt_model::centre::centre(&code).is_some().then_some(Role::Centre(code))
            }
        }
    }

    pub fn as_string(&self) -> String {
        match self {
            Role::Admin => "admin".into(),
            Role::Analyst => "analyst".into(),
            Role::Centre(c) => format!("centre:{c}"),
        }
    }

    /// Whether this role may see a centre's submissions and reports.
    pub fn may_see(&self, centre: Option<&str>) -> bool {
        match self {
            Role::Admin | Role::Analyst => true,
            Role::Centre(c) => centre == Some(c.as_str()),
        }
    }
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

fn new_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::new(Code::Internal, format!("random source: {e}")))?;
    Ok(format!("akutt_{}", hex::encode(bytes)))
}

/// Disables a user at once: its token and sessions stop working (the row stays, for the
/// audit log's names).
pub fn disable_user(data: &DataDir, name: &str) -> Result<(), AppError> {
    if !Catalog::open(&data.catalog_path())?.disable_user(name.trim())? {
        return Err(AppError::new(Code::UserNotFound, name.trim()));
    }
    Ok(())
}

/// Gives a user a new token (returned, shown once); the old one and its sessions end.
pub fn rotate_token(data: &DataDir, name: &str) -> Result<String, AppError> {
    let token = new_token()?;
    if !Catalog::open(&data.catalog_path())?.rotate_token(name.trim(), &token_hash(&token))? {
        return Err(AppError::new(Code::UserNotFound, name.trim()));
    }
    Ok(token)
}

/// Adds a user; returns the token, shown once and never stored.
pub fn add_user(data: &DataDir, name: &str, role: &str) -> Result<String, AppError> {
    let role = Role::parse(role).ok_or_else(|| {
        AppError::new(
            Code::InvalidUser,
            format!("role «{role}» is not admin, analyst or centre:CODE with a known centre code"),
        )
    })?;
    if name.trim().is_empty() {
        return Err(AppError::new(Code::InvalidUser, "a user needs a name"));
    }
    let token = new_token()?;
    let mut catalog = Catalog::open(&data.catalog_path())?;
    catalog.add_user(name.trim(), &role.as_string(), &token_hash(&token)).map_err(|e| match e {
        akutt_store::StoreError::Invalid(m) => AppError::new(Code::InvalidUser, m),
        e => e.into(),
    })?;
    Ok(token)
}

/// The user of a request's bearer token.
pub fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<User, AppError> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(AppError::bare(Code::Unauthorized))?;
    let (name, role) = state
        .catalog()?
        .user_by_token(&token_hash(token))?
        .ok_or(AppError::bare(Code::Unauthorized))?;
    let role = Role::parse(&role).ok_or_else(|| {
        AppError::new(Code::Internal, format!("user {name} has an unknown role {role}"))
    })?;
    Ok(User { name, role, csrf: None })
}

/// Runs a restricted handler body and writes the audit line whatever the outcome.
pub fn audited<T>(
    state: &AppState,
    headers: &HeaderMap,
    req: &crate::RequestInfo,
    body: impl FnOnce(&User) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let user = authenticate(state, headers);
    let result = match &user {
        Ok(u) => body(u),
        Err(_) => Err(AppError::bare(Code::Unauthorized)),
    };
    let status = match &result {
        Ok(_) => 200,
        Err(e) => e.code.status().as_u16(),
    };
    write_audit(state, user.as_ref().ok(), req, status, None)?;
    result
}

/// Writes one line of the audit log: user and role, method, path (secrets removed), status,
/// client address and a detail. Every restricted answer waits for it (fail closed).
pub fn write_audit(
    state: &AppState,
    user: Option<&User>,
    req: &crate::RequestInfo,
    status: u16,
    detail: Option<&str>,
) -> Result<(), AppError> {
    let role = user.map(|u| u.role.as_string());
    let client = req.client.map(|c| c.to_string());
    Catalog::connect(&state.data.catalog_path())?.record(&akutt_store::NewAudit {
        user: user.map(|u| u.name.as_str()).zip(role.as_deref()),
        method: req.method.as_str(),
        path: &audited_target(&req.uri),
        status,
        client: client.as_deref(),
        detail,
    })?;
    Ok(())
}

/// The path and query of a request as the audit log keeps it: the value of any parameter
/// that could carry a secret (`token`, `access_token`, `key`, `password`, …) is replaced by
/// `***`, and a valid fødselsnummer anywhere is masked.
pub fn audited_target(uri: &Uri) -> String {
    let mut out = uri.path().to_string();
    if let Some(q) = uri.query() {
        let secret = |k: &str| {
            let k = k.to_ascii_lowercase();
            ["token", "key", "password", "secret", "session"].iter().any(|s| k.contains(s))
        };
        let parts: Vec<String> = q
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if secret(k) => format!("{k}=***"),
                _ => p.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&parts.join("&"));
    }
    akutt_model::fnr::mask_fnr(&out).into_owned()
}

/// `GET /api/submissions`: the submissions the user may see.
pub async fn submissions(
    State(state): State<Arc<AppState>>,
    req: crate::RequestInfo,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    audited(&state, &headers, &req, |user| {
        let subs = state.catalog()?.submissions()?;
        let list: Vec<Value> = subs
            .iter()
            .filter(|s| user.role.may_see(s.centre.as_deref()))
            .map(|s| {
                json!({
                    "id": s.id, "centre": s.centre, "period": { "from": s.period_from, "to": s.period_to },
                    "version": s.version, "status": s.status.as_str(), "current": s.is_current(), "sha256": s.sha256,
                    "file": s.file_name, "received_at": s.received_at, "data_version": s.data_version,
                    "incidents_accepted": s.incidents_accepted, "incidents_rejected": s.incidents_rejected,
                })
            })
            .collect();
        Ok(Json(json!({ "submissions": list })))
    })
}

/// `GET /api/submissions/{id}/report`: one data-quality report, own centre only for centres.
pub async fn report(
    State(state): State<Arc<AppState>>,
    Path(id): Path<i64>,
    req: crate::RequestInfo,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    audited(&state, &headers, &req, |user| {
        let catalog = state.catalog()?;
        let sub = catalog
            .submission(id)?
            .ok_or_else(|| AppError::new(Code::SubmissionNotFound, format!("{id}")))?;
        if !user.role.may_see(sub.centre.as_deref()) {
            return Err(AppError::new(Code::OtherCentre, format!("submission {id}")));
        }
        let report = catalog.report(id)?.ok_or_else(|| {
            AppError::new(Code::SubmissionNotFound, format!("submission {id} has no report"))
        })?;
        serde_json::from_str(&report).map(Json).map_err(AppError::internal)
    })
}
