//! The restricted pages: log in with a token (a session cookie: HttpOnly, Secure,
//! SameSite=Strict), the list of submissions, each submission's data-quality report, and the
//! upload of an extract with its report as the answer. A centre user sees and submits only
//! its own centre; every request here is written to the audit log.

use std::sync::Arc;

use crate::error::extract::{Form, Path};
use crate::Code;
use axum::extract::{Multipart, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::Value;

use crate::auth::{token_hash, Role, User};
use crate::html::{both, csrf_field, layout, Area, Lang, Msg};
use crate::{AppError, AppState};
use maud::{html, Markup};

const COOKIE: &str = "akutt_session";

/// A session ends after this long without a request…
pub const SESSION_IDLE_S: i64 = 30 * 60;
/// …and this long after sign-in, whatever happens (the cookie's `Max-Age` too).
pub const SESSION_MAX_S: i64 = 8 * 3600;

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Starts a session in the catalog (it survives a restart); returns the cookie's id, which
/// is kept there only as its SHA-256.
fn create_session(state: &AppState, user: &str) -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::new(Code::Internal, format!("random source: {e}")))?;
    let id = hex::encode(bytes);
    akutt_store::Catalog::connect(&state.data.catalog_path())?.create_session(
        &token_hash(&id),
        user,
        unix_now(),
        SESSION_IDLE_S,
        SESSION_MAX_S,
    )?;
    Ok(id)
}

/// The user of a live session (idle and absolute lifetime, user not disabled).
fn session_user(state: &AppState, id: &str) -> Result<Option<User>, AppError> {
    let catalog = akutt_store::Catalog::connect(&state.data.catalog_path())?;
    let found = catalog.session_user(&token_hash(id), unix_now(), SESSION_IDLE_S, SESSION_MAX_S)?;
    let csrf = Some(token_hash(&format!("csrf:{id}")));
    Ok(found.and_then(|(name, role)| Role::parse(&role).map(|role| User { name, role, csrf })))
}

/// Failed sign-ins are free up to this many per client address…
pub const LOGIN_FREE_FAILURES: u32 = 5;
/// …then each further attempt waits twice as long as the one before, up to this (seconds).
pub const LOGIN_MAX_WAIT_S: u64 = 15 * 60;

/// Failed sign-ins per client address (in memory: a restart forgets them, which only helps
/// the patient). A success clears the address.
#[derive(Default)]
pub struct LoginFailures {
    by_client: std::sync::Mutex<
        std::collections::HashMap<Option<std::net::IpAddr>, (u32, std::time::Instant)>,
    >,
}

impl LoginFailures {
    /// Seconds this client must still wait before its next attempt is looked at.
    fn wait(&self, client: Option<std::net::IpAddr>) -> u64 {
        let Ok(m) = self.by_client.lock() else { return LOGIN_MAX_WAIT_S };
        match m.get(&client) {
            Some((n, last)) if *n >= LOGIN_FREE_FAILURES => {
                let exp = (*n - LOGIN_FREE_FAILURES).min(20);
                let wait = (1u64 << exp).min(LOGIN_MAX_WAIT_S);
                wait.saturating_sub(last.elapsed().as_secs())
            }
            _ => 0,
        }
    }

    fn failed(&self, client: Option<std::net::IpAddr>) {
        if let Ok(mut m) = self.by_client.lock() {
            let e = m.entry(client).or_insert((0, std::time::Instant::now()));
            *e = (e.0.saturating_add(1), std::time::Instant::now());
        }
    }

    fn succeeded(&self, client: Option<std::net::IpAddr>) {
        if let Ok(mut m) = self.by_client.lock() {
            m.remove(&client);
        }
    }
}

/// The hidden form field a signed-in user's forms carry.
/// Whether a POST comes from this site: its `Origin` (else its `Referer`) names the host
/// it was sent to. A request with neither is not from a browser form (browsers send `Origin`
/// with every POST) and passes; the form token decides for signed-in users.
fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let of = |name: header::HeaderName| {
        headers.get(name).and_then(|v| v.to_str().ok()).map(|v| {
            let rest = v.split_once("://").map_or(v, |(_, r)| r);
            rest.split('/').next().unwrap_or("").to_string()
        })
    };
    match of(header::ORIGIN).or_else(|| of(header::REFERER)) {
        None => true,
        Some(origin) => host.is_some_and(|h| h == origin),
    }
}

/// The CSRF refusal.
fn cross_site() -> AppError {
    AppError::bare(Code::CrossSite)
}

fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(&format!("{COOKIE}=")).map(str::to_string))
        .next()
}

/// The user of a request: its session cookie, or a bearer token.
pub fn user_of(state: &AppState, headers: &HeaderMap) -> Option<User> {
    session_id(headers)
        .and_then(|id| session_user(state, &id).ok().flatten())
        .or_else(|| crate::auth::authenticate(state, headers).ok())
}

/// A page of the restricted area, in the one shell (bilingual: its users are staff).
pub(crate) fn page(
    state: &AppState,
    title: &str,
    user: Option<&User>,
    body: Markup,
) -> Html<String> {
    Html(layout(state, Lang { en: false }, Area::Restricted { user }, title, body).into_string())
}

/// `GET /logg-inn`
pub async fn login_form(State(state): State<Arc<AppState>>) -> Html<String> {
    let body = html! {
        form method="post" action="/logg-inn" {
            label { (both(Msg::Token)) " " input type="password" name="token" id="token" required size="70" autocomplete="off"; }
            " "
            button type="submit" id="login" { (Msg::SignIn.nb()) }
        }
    };
    page(&state, &both(Msg::SignIn), None, body)
}

#[derive(Deserialize)]
pub struct LoginForm {
    token: String,
}

/// A form that carries only the form token (`/logg-ut`).
#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

/// `POST /logg-inn`: a valid token gives a session cookie.
pub async fn login(
    State(state): State<Arc<AppState>>,
    req: crate::RequestInfo,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    let client = req.client;
    let wait = state.login_failures.wait(client);
    if wait > 0 {
        crate::auth::write_audit(&state, None, &req, 429, None)?;
        return Err(AppError::new(Code::TooManyAttempts, format!("vent {wait} s / wait {wait} s")));
    }
    // Login CSRF: another site must not sign a browser in (as the attacker).
    if !same_origin(&headers) {
        crate::auth::write_audit(&state, None, &req, 403, None)?;
        return Err(cross_site());
    }
    let found = state.catalog()?.user_by_token(&token_hash(&f.token))?;
    let Some((name, role)) = found else {
        state.login_failures.failed(client);
        crate::auth::write_audit(&state, None, &req, 401, None)?;
        let body = html! {
            p.error id="login-error" { (both(Msg::UnknownToken)) "." }
            p { a href="/logg-inn" { (both(Msg::TryAgain)) } }
        };
        let body = page(&state, &both(Msg::SignIn), None, body);
        return Ok((StatusCode::UNAUTHORIZED, body).into_response());
    };
    let role = Role::parse(&role)
        .ok_or_else(|| AppError::new(Code::Internal, format!("unknown role {role}")))?;
    state.login_failures.succeeded(client);
    let id = create_session(&state, &name)?;
    let user = User { name: name.clone(), role, csrf: None };
    crate::auth::write_audit(&state, Some(&user), &req, 303, None)?;
    let cookie = format!(
        "{COOKIE}={id}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={SESSION_MAX_S}"
    );
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/innsendinger")).into_response())
}

/// `POST /logg-ut`
pub async fn logout(
    State(state): State<Arc<AppState>>,
    req: crate::RequestInfo,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, AppError>,
) -> Response {
    let user = user_of(&state, &headers);
    let token_ok = match user.as_ref().and_then(|u| u.csrf.as_deref()) {
        Some(t) => form.as_ref().is_ok_and(|f| f.0.csrf.as_deref() == Some(t)),
        None => true,
    };
    if !same_origin(&headers) || !token_ok {
        let _ = audit(&state, user.as_ref(), &req, StatusCode::FORBIDDEN);
        return cross_site().into_response();
    }
    if let Some(id) = session_id(&headers) {
        let ended = akutt_store::Catalog::connect(&state.data.catalog_path())
            .and_then(|c| c.end_session(&token_hash(&id)));
        if let Err(e) = ended {
            return AppError::from(e).into_response();
        }
    }
    if let Err(e) = audit(&state, user.as_ref(), &req, StatusCode::SEE_OTHER) {
        return e.into_response();
    }
    (
        [(
            header::SET_COOKIE,
            format!("{COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0"),
        )],
        Redirect::to("/"),
    )
        .into_response()
}

/// Runs a restricted page: no session → the login page; otherwise audited like the API.
pub(crate) fn restricted(
    state: &AppState,
    headers: &HeaderMap,
    req: &crate::RequestInfo,
    body: impl FnOnce(&User) -> Result<Response, AppError>,
) -> Response {
    let Some(user) = user_of(state, headers) else {
        return match audit(state, None, req, StatusCode::SEE_OTHER) {
            Ok(()) => Redirect::to("/logg-inn").into_response(),
            Err(e) => e.into_response(),
        };
    };
    let result = body(&user);
    let status = match &result {
        Ok(r) => r.status(),
        Err(e) => e.code.status(),
    };
    // Fail closed: an answer whose audit row could not be written is not given.
    if let Err(e) = audit(state, Some(&user), req, status) {
        return e.into_response();
    }
    match result {
        Ok(r) => r,
        Err(e) => {
            let told = e.tell();
            (
                e.code.status(),
                page(
                    state,
                    &both(Msg::NoAccess),
                    Some(&user),
                    html! { p.error id=(told.code.name()) { (told.message) } },
                ),
            )
                .into_response()
        }
    }
}

/// `GET /innsendinger`: the submissions the user may see, and the upload form.
pub async fn submissions_page(
    State(state): State<Arc<AppState>>,
    req: crate::RequestInfo,
    headers: HeaderMap,
) -> Response {
    restricted(&state, &headers, &req, |user| {
        let subs = state.catalog()?.submissions()?;
        let shown = subs.iter().rev().filter(|s| user.role.may_see(s.centre.as_deref()));
        // Whether the public sees a submission: in the latest release's data version, with
        // its period starting by the release's last month (DOMAIN.md §12).
        let release = state.latest_release()?;
        let released = |s: &akutt_store::catalog::Submission| {
            release.as_ref().filter(|r| {
                s.data_version.is_some_and(|v| v <= r.data_version)
                    && s.superseded_at.is_none_or(|v| v > r.data_version)
                    && s.period_from
                        .as_deref()
                        .and_then(|p| p.get(..7))
                        .is_some_and(|p| p <= r.through.as_str())
            })
        };
        // The form token comes before the file, so it is checked before the file is read.
        let body = html! {
            h2 { (both(Msg::SubmitExtract)) }
            form method="post" action="/last-opp" enctype="multipart/form-data" {
                (csrf_field(user))
                label for="file" { (both(Msg::ExtractFile)) " " }
                input type="file" name="file" id="file" accept=".csv,text/csv" required;
                " "
                button type="submit" id="upload" { (Msg::Submit.nb()) }
            }
            h2 { (Msg::Submissions.nb()) }
            table id="submissions" {
                tr {
                    @for h in [Msg::Id, Msg::Centre, Msg::Period, Msg::Version, Msg::Status, Msg::AcceptedIncidents, Msg::Rejected, Msg::Released] {
                        th { (h.nb()) }
                    }
                }
                @for s in shown {
                    tr {
                        td { a href={ "/innsendinger/" (s.id) } { (s.id) } }
                        td { (s.centre.as_deref().unwrap_or("?")) }
                        td { (s.period_from.as_deref().unwrap_or("?")) " – " (s.period_to.as_deref().unwrap_or("?")) }
                        td { (s.version.unwrap_or(0)) }
                        td { (s.status.as_str()) @if s.is_current() { " (" (Msg::Current.nb()) ")" } }
                        td { (s.incidents_accepted.unwrap_or(0)) }
                        td { (s.incidents_rejected.unwrap_or(0)) }
                        td {
                            @match released(s) {
                                Some(r) => { "publisering " (r.id) }
                                None => { (Msg::Unreleased.nb()) }
                            }
                        }
                    }
                }
            }
        };
        Ok(page(&state, &both(Msg::Submissions), Some(user), body).into_response())
    })
}

#[derive(Deserialize, Default)]
pub struct CompletenessParams {
    from: Option<String>,
    to: Option<String>,
}

/// `GET /fullstendighet`: the completeness calendar (DOMAIN.md §12); a centre user sees its
/// own row only.
pub async fn completeness_page(
    State(state): State<Arc<AppState>>,
    req: crate::RequestInfo,
    headers: HeaderMap,
    crate::error::extract::Query(p): crate::error::extract::Query<CompletenessParams>,
) -> Response {
    let st = state.clone();
    tokio::task::spawn_blocking(move || {
        restricted(&st, &headers, &req, |user| {
            use crate::completeness as c;
            let only = match &user.role {
                Role::Centre(code) => Some(code.as_str()),
                _ => None,
            };
            let today = c::today();
            let months = c::months(&st, p.from.as_deref(), p.to.as_deref(), today)?;
            let day = st.config.deadline_day;
            let rows = c::of_registry(&st, months, only, day, today)?;
            let body = html! {
                p {
                    "Frist / deadline: " (day) ". i måneden etter / day " (day) " of the month after. "
                    "Andel = hendelser mot sentralens median av de tolv foregående månedene med data / "
                    "share = incidents against the centre's median of the twelve months before with data."
                }
                table id="completeness" {
                    tr {
                        th { (Msg::Centre.nb()) }
                        @for m in months.iter() { th { (m.to_string()) } }
                    }
                    @for r in &rows {
                        tr {
                            td { (r.centre) }
                            @for cell in &r.months {
                                @let class = match (cell.status, cell.late) {
                                    ("received", false) => "received",
                                    ("received", true) => "late",
                                    ("rejected", _) => "rejected",
                                    (_, true) => "missing",
                                    _ => "due",
                                };
                                td class=(class) data-month=(cell.month) title={
                                    (cell.status)
                                    @if let Some(d) = &cell.received_at { ", mottatt / received " (d) }
                                    ", frist / deadline " (cell.deadline)
                                } {
                                    @match (cell.status, cell.late) {
                                        ("received", false) => "✓",
                                        ("received", true) => "sen / late",
                                        ("rejected", _) => "avvist / rejected",
                                        (_, true) => "mangler / missing",
                                        _ => "–",
                                    }
                                    @if let Some(s) = cell.share_of_expected {
                                        br; (format!("{:.0} %", s * 100.0))
                                    }
                                }
                            }
                        }
                    }
                }
            };
            Ok(page(&st, "Fullstendighet / completeness", Some(user), body).into_response())
        })
    })
    .await
    .unwrap_or_else(|e| AppError::internal(e).into_response())
}

#[derive(Deserialize, Default)]
pub struct ReceivedParams {
    from: Option<String>,
    to: Option<String>,
    centre: Option<String>,
}

/// `GET /mottatt`: everything received, exact, by month, each month marked released,
/// received again since its release, or unreleased (DOMAIN.md §12). A centre user sees its own
/// centre; staff see the nation or, with `centre=`, one centre.
pub async fn received_page(
    State(state): State<Arc<AppState>>,
    req: crate::RequestInfo,
    headers: HeaderMap,
    crate::error::extract::Query(p): crate::error::extract::Query<ReceivedParams>,
) -> Response {
    let st = state.clone();
    tokio::task::spawn_blocking(move || {
        restricted(&st, &headers, &req, |user| {
            use crate::received::{months, rows, Standing};
            let centre = match (&user.role, p.centre.as_deref().filter(|c| !c.is_empty())) {
                (Role::Centre(own), Some(asked)) if !own.eq_ignore_ascii_case(asked) => {
                    return Err(AppError::new(Code::OtherCentre, format!("centre {asked}")));
                }
                (Role::Centre(own), _) => Some(own.clone()),
                (_, Some(asked)) => Some(asked.trim().to_uppercase()),
                (_, None) => None,
            };
            let months = months(&st, p.from.as_deref(), p.to.as_deref())?;
            let (version, rows) = rows(&st, months, centre.as_deref())?;
            #[allow(clippy::cast_precision_loss)] // seconds: far below 2^52
            let minutes = |s: Option<i64>| s.map_or("..".to_string(), |s| format!("{:.1} min", s as f64 / 60.0));
            let share = |s: Option<f64>| s.map_or("..".to_string(), |s| format!("{:.1} %", s * 100.0));
            let who = centre.clone().unwrap_or_else(|| "Norge / Norway".to_string());
            let from = months.from().to_string();
            let to = months.to().to_string();
            let body = html! {
                p {
                    "Eksakte tall for alt som er mottatt (dataversjon " (version) "), ikke publiserte tall: "
                    "ingen støy, ingen skjuling. Ikke til offentliggjøring. / "
                    "Exact figures of everything received (data version " (version) "), not published "
                    "figures: no noise, nothing withheld. Not for publication."
                }
                form method="get" action="/mottatt" {
                    label { "Fra / from " input name="from" value=(from) pattern="[0-9]{4}-[0-9]{2}" size="7"; }
                    " "
                    label { "til / to " input name="to" value=(to) pattern="[0-9]{4}-[0-9]{2}" size="7"; }
                    @if !matches!(user.role, Role::Centre(_)) {
                        " "
                        label { "Sentral / centre " input name="centre" value=(centre.clone().unwrap_or_default()) size="4"; }
                    }
                    " "
                    button type="submit" { "Vis / show" }
                }
                h2 { (who) }
                table id="received" {
                    tr {
                        th { "Måned / month" }
                        th { "Hendelser / incidents" }
                        th { "Henvendelser / contacts" }
                        th { "Oppdrag / missions" }
                        th { "Responstid rød, median / red response, median" }
                        th { "Innen 12 min / within 12 min" }
                        th { "Innen 25 min / within 25 min" }
                        th { "Status" }
                    }
                    @for r in &rows {
                        @let (class, status) = match r.standing {
                            Standing::Released { release, final_: true } => ("released", format!("publisert i publisering {release}, endelig / released in release {release}, final")),
                            Standing::Released { release, final_: false } => ("released", format!("publisert i publisering {release}, foreløpig / released in release {release}, provisional")),
                            Standing::ResubmittedSince { release } => ("changed", format!("sendt inn på nytt etter publisering {release} / resubmitted since release {release}")),
                            Standing::Unreleased => ("unreleased", "ikke publisert / unreleased".to_string()),
                        };
                        tr class=(class) data-month=(r.month.to_string()) {
                            td { (r.month.to_string()) }
                            td { (r.incidents) }
                            td { (r.contacts) }
                            td { (r.missions) }
                            td { (minutes(r.response_median_s)) }
                            td { (share(r.within_urban)) }
                            td { (share(r.within_rural)) }
                            td { (status) }
                        }
                    }
                }
            };
            Ok(page(&st, "Mottatte tall / received figures", Some(user), body).into_response())
        })
    })
    .await
    .unwrap_or_else(|e| AppError::internal(e).into_response())
}

/// A data-quality report as HTML (the stored JSON report, DOMAIN.md §6).
fn report_html(report: &Value) -> Markup {
    let s = &report["submission"];
    let c = &report["counts"];
    let str_of = |v: &Value| v.as_str().unwrap_or("").to_string();
    let counts = [
        ("rows", Msg::Rows),
        ("incidents", Msg::IncidentsLower),
        ("incidents_accepted", Msg::Accepted),
        ("incidents_rejected", Msg::RejectedLower),
        ("missions", Msg::MissionsLower),
    ];
    html! {
        p id="status" {
            "Status: " b { (str_of(&s["status"])) } " · " (str_of(&s["centre"])) " "
            (str_of(&s["period"]["from"])) " – " (str_of(&s["period"]["to"]))
            " · versjon " (s["version"].to_string())
        }
        table id="counts" {
            @for (k, label) in counts {
                tr { th { (label.nb()) " / " (k) } td id={ "count-" (k) } { (c[k].to_string()) } }
            }
        }
        h2 { (both(Msg::FindingsPerRule)) }
        table id="rules" {
            @for (code, n) in report["findings_per_rule"].as_object().into_iter().flatten() {
                @let rule = akutt_model::RuleCode::parse(code);
                tr {
                    td { (code) }
                    td { (rule.map_or("", |r| r.title_nb())) " / " (rule.map_or("", |r| r.title_en())) }
                    td { (n.to_string()) }
                }
            }
        }
        @if let Some(id) = s["id"].as_i64() {
            p { a id="findings-csv" href={ "/innsendinger/" (id) "/funn.csv" } { "Funn som CSV / findings as CSV" } }
        }
        h2 { (both(Msg::Findings)) }
        table id="findings" {
            tr {
                @for h in [Msg::Rule, Msg::Line, Msg::Incident, Msg::Column, Msg::Value, Msg::Message] {
                    th { (h.nb()) }
                }
            }
            @for f in report["findings"].as_array().into_iter().flatten().take(500) {
                tr class=(if f["severity"] == "warning" { "warning" } else { "error" }) {
                    td { (str_of(&f["code"])) }
                    td { (f["line"].to_string()) }
                    td { (str_of(&f["incident"])) }
                    td { (str_of(&f["column"])) }
                    td { (str_of(&f["value"])) }
                    td { (str_of(&f["message"])) }
                }
            }
        }
    }
}

/// The stored data-quality report of submission `id`, if `user` may see it (its own
/// centre's, or any for staff): 404 `submission_not_found`, 403 `other_centre`.
fn stored_report(state: &AppState, user: &User, id: i64) -> Result<Value, AppError> {
    let catalog = state.catalog()?;
    let sub = catalog
        .submission(id)?
        .ok_or_else(|| AppError::new(Code::SubmissionNotFound, format!("{id}")))?;
    if !user.role.may_see(sub.centre.as_deref()) {
        return Err(AppError::new(Code::OtherCentre, format!("innsending {id} / submission {id}")));
    }
    Ok(catalog.report(id)?.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or(Value::Null))
}

/// `GET /innsendinger/{id}/funn.csv`: a submission's findings as CSV for Norwegian Excel
/// (UTF-8 with BOM, `;`), each with its rule's description, so a centre can sort and fix
/// them in a spreadsheet; another centre's is refused (403). A value from the file that a
/// spreadsheet would run as a formula (`=`, `+`, `-`, `@`) is written with a leading `'`.
pub async fn findings_csv(
    State(state): State<Arc<AppState>>,
    Path(id): Path<i64>,
    req: crate::RequestInfo,
    headers: HeaderMap,
) -> Response {
    restricted(&state, &headers, &req, |user| {
        let report = stored_report(&state, user, id)?;
        let csv = findings_to_csv(&report);
        Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"akutt-funn-innsending-{id}.csv\""),
                ),
            ],
            csv,
        )
            .into_response())
    })
}

/// The findings of a stored report as CSV (see [`findings_csv`]).
pub fn findings_to_csv(report: &Value) -> String {
    let cell = |s: &str| {
        let masked = akutt_model::fnr::mask_fnr(s).into_owned();
        let defused = if masked.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{masked}")
        } else {
            masked
        };
        if defused.contains([';', '"', '\n', '\r']) {
            format!("\"{}\"", defused.replace('"', "\"\""))
        } else {
            defused
        }
    };
    let mut out = String::from('\u{feff}');
    out.push_str("Regel;Alvorlighet;Regelen;Linje;Hendelse;Kolonne;Verdi;Melding;Message\r\n");
    let text = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    for f in report["findings"].as_array().into_iter().flatten() {
        let code = text(&f["code"]);
        let rule =
            akutt_model::RuleCode::parse(&code).map_or(String::new(), |r| r.title_nb().to_string());
        let fields = [
            code,
            text(&f["severity"]),
            rule,
            text(&f["line"]),
            text(&f["incident"]),
            text(&f["column"]),
            text(&f["value"]),
            text(&f["message"]),
            text(&f["message_en"]),
        ];
        out.push_str(&fields.iter().map(|x| cell(x)).collect::<Vec<_>>().join(";"));
        out.push_str("\r\n");
    }
    out
}

/// `GET /innsendinger/{id}`: one report; another centre's is refused (403).
pub async fn report_page(
    State(state): State<Arc<AppState>>,
    Path(id): Path<i64>,
    req: crate::RequestInfo,
    headers: HeaderMap,
) -> Response {
    restricted(&state, &headers, &req, |user| {
        let report = stored_report(&state, user, id)?;
        Ok(page(
            &state,
            &format!("{} {id}", Msg::QualityReport.nb()),
            Some(user),
            report_html(&report),
        )
        .into_response())
    })
}

/// Writes an audit row; a failed write is an internal error (no audit, no answer).
fn audit(
    state: &AppState,
    user: Option<&User>,
    req: &crate::RequestInfo,
    status: StatusCode,
) -> Result<(), AppError> {
    crate::auth::write_audit(state, user, req, status.as_u16(), None)
}

/// An upload refused before its body is read: audited, answered with the JSON error.
fn refuse(state: &AppState, user: &User, req: &crate::RequestInfo, e: AppError) -> Response {
    match audit(state, Some(user), req, e.code.status()) {
        Ok(()) => e.into_response(),
        Err(audit_failed) => audit_failed.into_response(),
    }
}

/// The name an uploaded file is kept under: letters, digits, `-`, `_` and `.` of the name
/// the browser sent, no leading dot, at most 100 characters (`uttrekk.csv` when nothing is
/// left), so it can be neither a path nor too long for the file system.
fn safe_file_name(name: &str) -> String {
    let kept: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let kept: String = kept.trim_start_matches('.').chars().take(100).collect();
    if kept.is_empty() {
        "uttrekk.csv".into()
    } else {
        kept
    }
}

/// A multipart error as the user's: too large (413) or malformed (400).
fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::bare(Code::PayloadTooLarge)
    } else {
        AppError::new(Code::MalformedUpload, e.body_text())
    }
}

/// Streams the `file` field to a new file under `dir`; returns its path.
/// A signed-in user's form token must come (as the field `csrf`) before the file.
async fn receive(
    mut multipart: Multipart,
    dir: &std::path::Path,
    limit: u64,
    csrf: Option<&str>,
) -> Result<std::path::PathBuf, AppError> {
    use tokio::io::AsyncWriteExt;
    let mut token_seen = csrf.is_none();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.name() == Some("csrf") {
            let mut value = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                value.extend_from_slice(&chunk);
                if value.len() > 256 {
                    return Err(cross_site());
                }
            }
            token_seen = csrf.is_some_and(|t| t.as_bytes() == value.as_slice());
            continue;
        }
        if field.name() != Some("file") {
            continue;
        }
        if !token_seen {
            return Err(cross_site());
        }
        let path = dir.join(safe_file_name(field.file_name().unwrap_or("")));
        let mut out = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(akutt_store::private::FILE_MODE)
            .open(&path)
            .await
            .map_err(AppError::internal)?;
        let mut written = 0u64;
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            written += chunk.len() as u64;
            if written > limit {
                return Err(AppError::new(
                    Code::PayloadTooLarge,
                    format!(
                        "filen er større enn {limit} byte / the file is larger than {limit} bytes"
                    ),
                ));
            }
            out.write_all(&chunk).await.map_err(AppError::internal)?;
        }
        out.sync_all().await.map_err(AppError::internal)?;
        return Ok(path);
    }
    Err(AppError::bare(Code::NoFile))
}

/// `POST /last-opp`: a file uploaded in the browser; the answer is its report.
///
/// Who asks is settled before a byte of the body is read: no session, no upload; an analyst
/// reads but never submits. The file is then streamed to `DATA/tmp/uploads/` (never whole in
/// memory) up to [`crate::Config::upload_limit`], with at most
/// [`crate::Config::concurrent_uploads`] at once. Its kind is decided once
/// ([`akutt_ingest::FileKind`]) and the access rule of that kind applied: a centre user
/// submits only its own centre's extracts, NEMSIS files only an admin.
pub async fn upload(
    State(state): State<Arc<AppState>>,
    req: crate::RequestInfo,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let Some(user) = user_of(&state, &headers) else {
        return match audit(&state, None, &req, StatusCode::SEE_OTHER) {
            Ok(()) => Redirect::to("/logg-inn").into_response(),
            Err(e) => e.into_response(),
        };
    };
    if user.csrf.is_some() && !same_origin(&headers) {
        return refuse(&state, &user, &req, cross_site());
    }
    if user.role == Role::Analyst {
        let e = AppError::new(
            Code::RoleForbidden,
            "analytikere sender ikke inn / analysts do not submit",
        );
        return refuse(&state, &user, &req, e);
    }
    let Ok(_slot) = state.upload_slots.try_acquire() else {
        let e = AppError::new(Code::Busy, "for mange opplastinger nå / too many uploads at once");
        return refuse(&state, &user, &req, e);
    };
    let multipart = match multipart {
        Ok(m) => m,
        Err(r) => {
            let e = AppError::new(Code::MalformedUpload, r.body_text());
            return refuse(&state, &user, &req, e);
        }
    };
    let dir = match state.data.uploads_dir().and_then(|d| {
        tempfile::Builder::new()
            .prefix("upload-")
            .tempdir_in(d)
            .map_err(|e| akutt_store::StoreError::Io { path: "tmp/uploads".into(), source: e })
    }) {
        Ok(d) => d,
        Err(e) => return refuse(&state, &user, &req, AppError::from(e)),
    };
    let path = match receive(multipart, dir.path(), state.config.upload_limit, user.csrf.as_deref())
        .await
    {
        Ok(p) => p,
        Err(e) => return refuse(&state, &user, &req, e),
    };
    let st = state.clone();
    tokio::task::spawn_blocking(move || {
        // The temporary folder (and the file) is removed when this closure ends.
        let _dir = dir;
        restricted(&st, &headers, &req, |user| {
            let kind = akutt_ingest::FileKind::of(&path).map_err(AppError::internal)?;
            match (&user.role, kind) {
                (Role::Admin, _) => {}
                (Role::Centre(_), akutt_ingest::FileKind::Nemsis) => {
                    return Err(AppError::new(Code::RoleForbidden, "NEMSIS-filer sendes inn av en administrator / NEMSIS files are submitted by an admin"));
                }
                (Role::Centre(c), kind @ (akutt_ingest::FileKind::Extract | akutt_ingest::FileKind::CallLog)) => {
                    let file = std::fs::File::open(&path).map_err(AppError::internal)?;
                    let centre = if kind == akutt_ingest::FileKind::CallLog {
                        akutt_ingest::call_log_centre(&path).map_err(AppError::internal)?
                    } else {
                        akutt_extract::scan_head(std::io::BufReader::new(file)).submission.centre().map(str::to_string)
                    };
                    let centre = centre.as_deref();
                    if centre != Some(c.as_str()) {
                        let of = centre.unwrap_or("?");
                        return Err(AppError::new(Code::OtherCentre, format!(
                            "uttrekket gjelder {of} – du kan bare sende inn for {c} / the extract is for {of}, you may only submit for {c}"
                        )));
                    }
                }
                (Role::Analyst, _) => return Err(AppError::new(Code::RoleForbidden, "analytikere sender ikke inn / analysts do not submit")),
            }
            let key = st.key.as_ref().ok_or_else(|| AppError::new(Code::Internal, "the server has no pseudonymisation key"))?;
            let outcome = akutt_ingest::ingest(&st.data, key, &path, |_, _| {}).map_err(|e| match e {
                akutt_ingest::IngestError::Identical { submission, version, .. } => AppError::new(
                    Code::IdenticalResubmission,
                    format!("innsending {submission}, versjon {version} / submission {submission}, version {version}"),
                ),
                e => AppError::internal(e),
            })?;
            let sub = &outcome.report.submission;
            let detail = format!(
                "submission {} ({}), file {}, sha256 {}{}",
                sub.id,
                sub.status,
                sub.file,
                sub.sha256,
                if user.role == Role::Admin { ", submitted by an admin" } else { "" }
            );
            crate::auth::write_audit(&st, Some(user), &req, 200, Some(&detail))?;
            let report: Value = serde_json::from_str(&outcome.report.to_json()).unwrap_or(Value::Null);
            let title = format!("{} {}", Msg::QualityReport.nb(), outcome.report.submission.id);
            Ok(page(&st, &title, Some(user), report_html(&report)).into_response())
        })
    })
    .await
    .unwrap_or_else(|e| AppError::internal(e).into_response())
}
