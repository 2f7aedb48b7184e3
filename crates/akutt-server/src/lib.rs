//! The HTTP face of the registry (axum): the public indicator API with disclosure control
//! (DOMAIN.md §9), its OpenAPI document, the dashboard, and the restricted area where
//! tokens give access to submissions and data-quality reports, every request audited.
//!
//! `app(state)` builds the whole `Router`, so tests run it with `oneshot` and no socket.

pub mod analyses;
pub mod analysis_page;
pub mod api;
pub mod area;
pub mod auth;
pub mod benchmark;
pub mod completeness;
pub mod error;
pub mod html;
pub mod map;
pub mod pages;
pub mod received;
pub mod release;
pub mod report;
pub mod tables;

use std::sync::{Arc, Mutex};

use akutt_indicators::{Dataset, Population};
use akutt_model::{Month, MonthRange};
use akutt_store::{Catalog, DataDir};
use axum::routing::get;
use axum::Router;

pub use error::{AppError, Code};

/// Settings of a server, with their defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// Published counts under this (after the cell-key perturbation) are suppressed in public
    /// outputs (DOMAIN.md §9). Default 5.
    pub suppression_threshold: u64,
    /// Show the "synthetic data" banner on every page (set by `akutt demo`). Default false.
    pub synthetic: bool,
    /// The largest file `/last-opp` takes, in bytes; a larger one is refused with 413.
    pub upload_limit: u64,
    /// Uploads received at once; one more is refused with 503 until one ends.
    pub concurrent_uploads: usize,
    /// Most incident rows kept loaded across the cached windows of months; a question that
    /// reads more is answered streamed, a submission at a time, as the CLI answers.
    pub loaded_rows: usize,
    /// The completeness calendar's deadline: this day of the month after. Default 15.
    pub deadline_day: u32,
}

/// 256 MiB: about 750,000 rows of import format v1, a large centre's year.
pub const DEFAULT_UPLOAD_LIMIT: u64 = 256 << 20;

impl Default for Config {
    fn default() -> Self {
        Config {
            suppression_threshold: akutt_disclosure::DEFAULT_THRESHOLD,
            synthetic: false,
            upload_limit: DEFAULT_UPLOAD_LIMIT,
            concurrent_uploads: 2,
            loaded_rows: LOADED_ROWS,
            deadline_day: completeness::DEFAULT_DEADLINE_DAY,
        }
    }
}

/// A data version loaded for indicators.
#[derive(Clone)]
pub struct Loaded {
    pub version: i64,
    pub dataset: Arc<Dataset>,
    pub population: Option<Arc<Population>>,
}

/// Shared state: the data directory, the configuration, and the latest data version's
/// indicator facts, loaded once and reloaded when the data version moves.
pub struct AppState {
    pub data: DataDir,
    pub config: Config,
    latest: Mutex<Option<Loaded>>,
    answers: Mutex<std::collections::HashMap<String, Arc<api::Answer>>>,
    /// Serialized public responses by data version and request: a hit costs one lookup.
    bodies: Mutex<std::collections::HashMap<String, (axum::body::Bytes, String)>>,
    /// Published benchmarks by data version and period.
    benchmarks: Mutex<std::collections::HashMap<String, Arc<benchmark::Published>>>,
    /// Facts loaded for questions, by data version and months, most recently used first;
    /// bounded by [`LOADED_ROWS`] (the server holds what recent questions need, not the
    /// archive).
    windows: Mutex<Vec<(MonthRange, Loaded)>>,
    /// One load at a time (a second request for the same months waits and finds it).
    loading: Mutex<()>,
    /// Loaded boundaries, projected: by structure, with the file's SHA-256.
    loaded_shapes: Mutex<std::collections::HashMap<i32, (String, map::Shapes)>>,
    /// The latest data version and when the catalog was last asked (at most once a second:
    /// a new ingest becomes visible within a second).
    version_seen: Mutex<Option<(std::time::Instant, i64)>>,
    /// The latest release as last read from the catalog, and when (re-read after a second).
    release_seen: Mutex<Option<(std::time::Instant, Option<akutt_store::releases::Release>)>>,
    /// The pseudonymisation key, for uploads (none: uploads are refused).
    pub key: Option<Vec<u8>>,
    /// The record keys of the cell-key method, derived from that key (none: no public
    /// figure is published — disclosure control fails closed).
    pub keyer: Option<akutt_disclosure::RecordKeyer>,
    /// One permit per upload being received ([`Config::concurrent_uploads`]).
    pub upload_slots: tokio::sync::Semaphore,
    /// Failed sign-ins per client address: the login's rate limit.
    pub login_failures: area::LoginFailures,
}

/// Most answers kept; the cache starts over when full (answers are cheap to recompute).
const ANSWER_CACHE: usize = 4096;

/// Most incident rows kept loaded across the cached windows of months (about 80 bytes each,
/// plus mission times): three national years. A question needing more is answered
/// streamed ([`AppState::answer_streamed`]), not loaded.
pub const LOADED_ROWS: usize = 3_000_000;

impl AppState {
    pub fn new(data: DataDir, config: Config) -> Result<AppState, AppError> {
        // Creates the catalog (and its tables) when the directory is new.
        Catalog::open(&data.catalog_path())?;
        Ok(AppState {
            data,
            latest: Mutex::new(None),
            answers: Mutex::new(Default::default()),
            bodies: Mutex::new(Default::default()),
            benchmarks: Mutex::new(Default::default()),
            loaded_shapes: Mutex::new(Default::default()),
            windows: Mutex::new(Vec::new()),
            loading: Mutex::new(()),
            version_seen: Mutex::new(None),
            release_seen: Mutex::new(None),
            key: None,
            keyer: None,
            upload_slots: tokio::sync::Semaphore::new(config.concurrent_uploads.max(1)),
            login_failures: Default::default(),
            config,
        })
    }

    /// Gives the server the pseudonymisation key, so extracts can be uploaded and public
    /// figures get their record keys (DOMAIN.md §9).
    pub fn with_key(mut self, key: Vec<u8>) -> AppState {
        self.keyer = Some(akutt_disclosure::RecordKeyer::from_secret(&key));
        self.key = Some(key);
        self
    }

    /// Disclosure control of this server's public figures.
    pub fn disclosure(&self) -> akutt_disclosure::Disclosure {
        akutt_disclosure::Disclosure::new(self.config.suppression_threshold)
    }

    pub fn catalog(&self) -> Result<Catalog, AppError> {
        Ok(Catalog::open_read_only(&self.data.catalog_path())?)
    }

    /// The map shapes of a structure: the latest boundaries the registry loaded for it
    /// (projected once per file), else the shipped ones; `None` when it has neither.
    pub fn shapes(&self, structure: i32) -> Result<Option<map::Shapes>, AppError> {
        let catalog = self.catalog()?;
        let Some(sha) = catalog.boundaries_sha256(structure)? else {
            return Ok(map::shipped(structure));
        };
        if let Some((s, shapes)) =
            self.loaded_shapes.lock().unwrap_or_else(|e| e.into_inner()).get(&structure)
        {
            if *s == sha {
                return Ok(Some(shapes.clone()));
            }
        }
        let Some((sha, text)) = catalog.boundaries(structure)? else {
            return Ok(map::shipped(structure));
        };
        let shapes: map::Shapes = Arc::new(map::project(&text));
        self.loaded_shapes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(structure, (sha, shapes.clone()));
        Ok(Some(shapes))
    }

    /// The municipality register of the latest data (the shipped one and what the registry
    /// loaded).
    /// The municipality register as it was at a data version (a public page: its release's).
    pub fn register_at(
        &self,
        version: i64,
    ) -> Result<Arc<akutt_model::municipality::Register>, AppError> {
        Ok(Arc::new(self.catalog()?.register_at(version)?))
    }

    /// The last month with incidents at the latest data version (the catalog's record of
    /// each submission's months; an older catalog without it: the loaded rows).
    pub fn last_month(&self) -> Result<Option<Month>, AppError> {
        let v = self.latest_version()?;
        let catalog = self.catalog()?;
        if let Some(m) = catalog.last_month_at(v)? {
            return Ok(Month::from_yyyymm(m));
        }
        // Months not recorded (a directory of an older release before `akutt upgrade`):
        // the end of the latest extract period, without loading anything.
        Ok(catalog
            .visible_at(Some(v))?
            .iter()
            .filter_map(|s| s.period_to.as_deref())
            .filter_map(|d| d.get(..7).and_then(|m| Month::parse(m).ok()))
            .max())
    }

    /// The data version a question asks for: `as_of`, checked, or the latest.
    fn version_at(&self, as_of: Option<i64>) -> Result<i64, AppError> {
        let mut latest = self.latest_version()?;
        if as_of.is_some_and(|v| v > latest) {
            // Newer than the second-old view: ask the catalog itself.
            latest = self.catalog()?.latest_data_version()?;
        }
        match as_of {
            Some(v) if v < 1 || v > latest => Err(AppError::new(
                Code::InvalidDataVersion,
                format!("as_of {v}: data versions run from 1 to {latest}"),
            )),
            Some(v) => Ok(v),
            None => Ok(latest),
        }
    }

    /// The answer to a question whose submissions hold more rows than the windows may keep
    /// ([`Config::loaded_rows`]), streamed a submission at a time with the record keys
    /// (`akutt_store::facts::stream_answer`, the CLI's engine), so that the server's memory
    /// stays bounded by its windows, not by the archive; `None` when the question fits.
    pub fn answer_streamed(
        &self,
        as_of: Option<i64>,
        q: &akutt_indicators::Query,
        only: &[akutt_indicators::Indicator],
    ) -> Result<Option<(i64, akutt_indicators::Computed)>, AppError> {
        let v = self.version_at(as_of)?;
        let months = q.months_read(only);
        // A window that covers the months answers it (no catalog read for a cached window).
        let covered = self
            .windows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|(m, l)| covers(m, l, v, months));
        if covered {
            return Ok(None);
        }
        let catalog = self.catalog()?;
        let needed = akutt_store::facts::needed_submissions(&self.data, &catalog, v, Some(months))?;
        let expected: i64 = needed.iter().map(|(_, n)| n).sum();
        if usize::try_from(expected).unwrap_or(usize::MAX) <= self.config.loaded_rows {
            return Ok(None);
        }
        let Some(keyer) = self.keyer.as_ref() else { return Err(AppError::no_record_keys()) };
        let population = catalog.population_at(v)?.map(|rows| Population {
            by_kommune_year: rows.into_iter().map(|(k, y, n)| ((k, y), n)).collect(),
        });
        let computed = akutt_store::facts::stream_answer(
            &catalog,
            v,
            Some(keyer),
            &needed,
            q,
            population.as_ref(),
            only,
        )?
        .map_err(|e| AppError::new(Code::UnknownStructure, format!("structure: {e}")))?;
        Ok(Some((v, computed)))
    }

    /// Loads what the dashboard's first answer needs (its default twelve months and the
    /// twelve before, for the change in volume), before the first visitor comes.
    pub fn warm(&self) -> Result<(), AppError> {
        let Some(to) = self.last_month()? else { return Ok(()) };
        let year = MonthRange::twelve_months_to(to);
        let from = year.from().plus_years(-1).unwrap_or(year.from());
        self.loaded_months(None, MonthRange::new(from, year.to()).unwrap_or(year))?;
        Ok(())
    }

    /// The facts a question over `months` needs at `as_of` (latest when `None`): a cached
    /// window that covers them, else a load of just those submissions, kept while the
    /// windows stay under [`LOADED_ROWS`].
    pub fn loaded_months(
        &self,
        as_of: Option<i64>,
        months: MonthRange,
    ) -> Result<Loaded, AppError> {
        let v = self.version_at(as_of)?;
        let find = |windows: &mut Vec<(MonthRange, Loaded)>| {
            let i = windows.iter().position(|(m, l)| covers(m, l, v, months))?;
            let w = windows.remove(i);
            let l = w.1.clone();
            windows.insert(0, w);
            Some(l)
        };
        if let Some(l) = find(&mut self.windows.lock().unwrap_or_else(|e| e.into_inner())) {
            return Ok(l);
        }
        let _one = self.loading.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = find(&mut self.windows.lock().unwrap_or_else(|e| e.into_inner())) {
            return Ok(l);
        }
        let catalog = self.catalog()?;
        // Make room first: the windows and the new load stay within the bound together.
        let needed = akutt_store::facts::needed_submissions(&self.data, &catalog, v, Some(months))?;
        let expected: i64 = needed.iter().map(|(_, n)| n).sum();
        let expected = usize::try_from(expected).unwrap_or(usize::MAX);
        {
            let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
            let mut total: usize = windows.iter().map(|(_, w)| w.dataset.rows.len()).sum();
            while total.saturating_add(expected) > self.config.loaded_rows {
                let Some((_, w)) = windows.pop() else { break };
                total -= w.dataset.rows.len();
            }
        }
        let version = v;
        let dataset =
            akutt_store::facts::load_submissions(&catalog, version, self.keyer.as_ref(), &needed)?;
        let population = catalog.population_at(version)?.map(|rows| {
            Arc::new(Population {
                by_kommune_year: rows.into_iter().map(|(k, y, n)| ((k, y), n)).collect(),
            })
        });
        let l = Loaded { version, dataset: Arc::new(dataset), population };
        let latest = self.latest_version()?;
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        // Windows of an older data version are not asked for again unless by `as_of`.
        windows.retain(|(_, w)| w.version == latest || Some(w.version) == as_of);
        if l.dataset.rows.len() <= self.config.loaded_rows {
            windows.insert(0, (months, l.clone()));
            let mut total = 0;
            windows.retain(|(_, w)| {
                total += w.dataset.rows.len();
                total <= self.config.loaded_rows
            });
        }
        Ok(l)
    }

    pub fn cached_answer(&self, key: &str) -> Option<Arc<api::Answer>> {
        self.answers.lock().ok()?.get(key).cloned()
    }

    pub fn cache_answer(&self, key: String, answer: Arc<api::Answer>) {
        if let Ok(mut c) = self.answers.lock() {
            if c.len() >= ANSWER_CACHE {
                c.clear();
            }
            c.insert(key, answer);
        }
    }

    /// The latest data version, asking the catalog at most once a second.
    pub fn latest_version(&self) -> Result<i64, AppError> {
        let mut seen =
            self.version_seen.lock().map_err(|_| AppError::new(Code::Internal, "lock poisoned"))?;
        if let Some((at, v)) = *seen {
            if at.elapsed() < std::time::Duration::from_secs(1) {
                return Ok(v);
            }
        }
        let v = self.catalog()?.latest_data_version()?;
        *seen = Some((std::time::Instant::now(), v));
        Ok(v)
    }

    /// The release the public sees (the newest), read from the catalog at most once a second.
    pub fn latest_release(&self) -> Result<Option<akutt_store::releases::Release>, AppError> {
        let mut seen =
            self.release_seen.lock().map_err(|_| AppError::new(Code::Internal, "lock poisoned"))?;
        if let Some((at, r)) = &*seen {
            if at.elapsed() < std::time::Duration::from_secs(1) {
                return Ok(r.clone());
            }
        }
        let r = self.catalog()?.latest_release()?;
        *seen = Some((std::time::Instant::now(), r.clone()));
        Ok(r)
    }

    /// Reads the latest release afresh at the next question (after a release is made).
    pub fn forget_release(&self) {
        if let Ok(mut seen) = self.release_seen.lock() {
            *seen = None;
        }
    }

    pub fn cached_benchmark(&self, key: &str) -> Option<Arc<benchmark::Published>> {
        self.benchmarks.lock().ok()?.get(key).cloned()
    }

    pub fn cache_benchmark(&self, key: String, b: Arc<benchmark::Published>) {
        if let Ok(mut c) = self.benchmarks.lock() {
            if c.len() >= 64 {
                c.clear();
            }
            c.insert(key, b);
        }
    }

    /// A cached serialized answer and its `ETag` ([`body_tag`]).
    pub fn cached_body(&self, key: &str) -> Option<(axum::body::Bytes, String)> {
        self.bodies.lock().ok()?.get(key).cloned()
    }

    pub fn cache_body(&self, key: String, body: (axum::body::Bytes, String)) {
        if let Ok(mut c) = self.bodies.lock() {
            if c.len() >= ANSWER_CACHE {
                c.clear();
            }
            c.insert(key, body);
        }
    }

    /// The facts at a data version (the latest when `None`), cached for the latest.
    pub fn loaded(&self, as_of: Option<i64>) -> Result<Loaded, AppError> {
        let mut latest = self.latest_version()?;
        if as_of.is_some_and(|v| v > latest) {
            latest = self.catalog()?.latest_data_version()?;
        }
        if as_of.is_none() || as_of == Some(latest) {
            if let Some(l) = self
                .latest
                .lock()
                .ok()
                .and_then(|c| c.as_ref().filter(|l| l.version == latest).cloned())
            {
                return Ok(l);
            }
        }
        let catalog = self.catalog()?;
        let load = |v: i64| -> Result<Loaded, AppError> {
            let (dataset, version) = akutt_store::facts::load_dataset(
                &self.data,
                &catalog,
                Some(v),
                self.keyer.as_ref(),
            )?;
            let population = catalog.population_at(version)?.map(|rows| {
                Arc::new(Population {
                    by_kommune_year: rows.into_iter().map(|(k, y, n)| ((k, y), n)).collect(),
                })
            });
            Ok(Loaded { version, dataset: Arc::new(dataset), population })
        };
        match as_of {
            Some(v) if v < 1 || v > latest => Err(AppError::new(
                Code::InvalidDataVersion,
                format!("as_of {v}: data versions run from 1 to {latest}"),
            )),
            Some(v) if v != latest => load(v),
            _ => {
                let mut cache = self
                    .latest
                    .lock()
                    .map_err(|_| AppError::new(Code::Internal, "cache lock poisoned"))?;
                if let Some(l) = cache.as_ref().filter(|l| l.version == latest) {
                    return Ok(l.clone());
                }
                let l = load(latest)?;
                *cache = Some(l.clone());
                Ok(l)
            }
        }
    }
}

/// The whole application.
pub fn app(state: Arc<AppState>) -> Router {
    // Room for the multipart framing around a file of the largest size taken.
    let body_limit =
        usize::try_from(state.config.upload_limit).unwrap_or(usize::MAX).saturating_add(64 << 10);
    Router::new()
        .route("/", get(pages::overview))
        .route("/sentral/{code}", get(pages::centre))
        .route("/definisjoner", get(pages::definitions))
        .route("/kart", get(pages::map))
        .route("/rapporter", get(pages::reports))
        .route("/rapporter/{release}/{period}", get(pages::report))
        .route("/sammenligning", get(benchmark::page))
        .route("/api/benchmark", get(benchmark::api))
        .route("/data/indikatorer.csv", get(api::indicators_csv))
        .route("/data/indikatorer.json", get(api::indicators_jsonstat))
        .route("/data/indikatorer.xlsx", get(api::indicators_xlsx))
        .route("/api/indicators", get(api::indicators))
        .route("/api/openapi.json", get(api::openapi))
        .route("/logg-inn", get(area::login_form).post(area::login))
        .route("/logg-ut", axum::routing::post(area::logout))
        .route("/innsendinger", get(area::submissions_page))
        .route("/innsendinger/{id}", get(area::report_page))
        .route("/innsendinger/{id}/funn.csv", get(area::findings_csv))
        .route("/fullstendighet", get(area::completeness_page))
        .route("/mottatt", get(area::received_page))
        .route("/analyse", get(analysis_page::page))
        .route(
            "/last-opp",
            axum::routing::post(area::upload)
                .layer(axum::extract::DefaultBodyLimit::max(body_limit)),
        )
        .route("/api/submissions", get(auth::submissions))
        .route("/api/submissions/{id}/report", get(auth::report))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), pages::html_errors))
        .layer(axum::middleware::from_fn(public_cache))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security_headers))
        // Outermost: compresses what the client accepts (gzip, brotli), except the
        // restricted area's answers (`no-store`), whose secrets (CSRF tokens) must not share
        // a compressed body with what a request reflects (BREACH).
        .layer(tower_http::compression::CompressionLayer::new().compress_when(
            tower_http::compression::Predicate::and(
                tower_http::compression::predicate::DefaultPredicate::new(),
                |_: axum::http::StatusCode,
                 _: axum::http::Version,
                 h: &axum::http::HeaderMap,
                 _: &axum::http::Extensions| {
                    h.get(axum::http::header::CACHE_CONTROL).is_none_or(|v| v != "no-store")
                },
            ),
        ))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state)
}

/// Outermost: gives each request an id (the `x-request-id` header, an error's `request_id`,
/// its log lines) and logs one structured line when it is answered: method, path (no query,
/// which may hold what a user typed; fødselsnummer-like digits masked), status and duration.
async fn log_request(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let id = error::new_request_id();
    let method = req.method().clone();
    let path = akutt_model::fnr::mask_fnr(req.uri().path()).into_owned();
    let started = std::time::Instant::now();
    let mut res = error::REQUEST_ID.scope(id.clone(), next.run(req)).await;
    let status = res.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let code = res.extensions().get::<error::Answered>().map_or("", |a| a.code.name());
    if status >= 500 {
        tracing::warn!(request_id = %id, %method, %path, status, ms, code, "request");
    } else {
        tracing::info!(request_id = %id, %method, %path, status, ms, code, "request");
    }
    if let Ok(v) = axum::http::HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// Public answers are immutable per data version: a successful public `GET` gets a weak
/// `ETag` (of the SHA-256 of its body, so equal bodies share it), is answered `304 Not Modified`
/// without a body when the client already holds it (`If-None-Match`), and may be cached:
/// a minute for the latest data (a new ingest moves it), a year for a fixed `as_of`.
/// The restricted area is never cached (see [`security_headers`]).
async fn public_cache(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{header, HeaderValue, Method, StatusCode};
    use axum::response::IntoResponse;
    if req.method() != Method::GET || is_restricted(req.uri().path()) {
        return next.run(req).await;
    }
    let fixed = req.uri().query().is_some_and(|q| q.split('&').any(|kv| kv.starts_with("as_of=")));
    let held: Vec<String> = req
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|t| t.trim().trim_start_matches("W/").to_string()))
        .collect();
    let mut res = next.run(req).await;
    if res.status() != StatusCode::OK {
        return res;
    }
    let cache = if fixed { "public, max-age=31536000, immutable" } else { "public, max-age=60" };
    // A handler that keeps its serialized answers tags them once ([`body_tag`]).
    if let Some(tag) = res.headers().get(header::ETAG).and_then(|v| v.to_str().ok()) {
        let opaque = tag.trim_start_matches("W/").to_string();
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        if held.iter().any(|t| *t == opaque || t == "*") {
            return not_modified(res.into_parts().0);
        }
        return res;
    }
    // Answers and pages are built whole, so their size is known: one of unknown size (a
    // stream) or beyond the limit is passed on untagged, not buffered.
    const MOST: u64 = 256 << 20;
    let known = axum::body::HttpBody::size_hint(res.body()).exact();
    if known.is_none_or(|n| n > MOST) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::try_from(MOST).unwrap_or(usize::MAX)).await
    else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let tag = body_tag(&bytes);
    let opaque = tag.trim_start_matches("W/").to_string();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, v);
    }
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if held.iter().any(|t| *t == opaque || t == "*") {
        return not_modified(parts);
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Whether a window of `window` months loaded at data version `l.version` covers `months`
/// at version `v`.
fn covers(window: &MonthRange, l: &Loaded, v: i64, months: MonthRange) -> bool {
    l.version == v && window.from() <= months.from() && window.to() >= months.to()
}

/// `304 Not Modified` for a response the client holds: its headers, without the body's.
fn not_modified(mut parts: axum::http::response::Parts) -> axum::response::Response {
    use axum::http::header;
    parts.status = axum::http::StatusCode::NOT_MODIFIED;
    for h in [header::CONTENT_LENGTH, header::CONTENT_TYPE, header::CONTENT_DISPOSITION] {
        parts.headers.remove(h);
    }
    axum::response::Response::from_parts(parts, axum::body::Body::empty())
}

/// The weak `ETag` of a body: 16 bytes of its SHA-256 (weak: the compression outside may
/// change the bytes, not what they say).
pub fn body_tag(body: &[u8]) -> String {
    use sha2::Digest;
    format!("W/\"{}\"", hex::encode(&sha2::Sha256::digest(body)[..16]))
}

/// The pages need nothing from elsewhere and run no script: everything but their own inline
/// styles, same-origin images and form posts is refused, and no one may frame them.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The public area's paths (and what lies under them): released figures, cacheable.
const PUBLIC_PATHS: &[&str] = &[
    "/sentral",
    "/definisjoner",
    "/kart",
    "/rapporter",
    "/sammenligning",
    "/data",
    "/api/benchmark",
    "/api/indicators",
    "/api/openapi.json",
];

/// Whether a path is of the restricted area (micro-data: never cached anywhere, its
/// refusals audited). Fail closed: every path that is not one of the public area's is
/// restricted, so a new restricted page cannot be cached by being forgotten here.
pub fn is_restricted(path: &str) -> bool {
    let public = path == "/"
        || PUBLIC_PATHS
            .iter()
            .any(|p| path == *p || path.strip_prefix(p).is_some_and(|rest| rest.starts_with('/')));
    !public
}

/// Security headers on every answer; `Cache-Control: no-store` on the restricted area's.
///
/// Also the edge of the error table: a request the framework refuses before any handler
/// runs (a path or query parameter of the wrong type, a body that is no form) gets the JSON
/// error, and on the restricted area its audit row (fail closed).
async fn security_headers(
    axum::extract::State(state): axum::extract::State<Arc<AppState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    use axum::response::IntoResponse;
    let restricted = is_restricted(req.uri().path());
    let mut req = req;
    let client = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    req.extensions_mut().insert(ClientAddr(client));
    let info = RequestInfo { method: req.method().clone(), uri: req.uri().clone(), client };
    let mut res = next.run(req).await;
    // An extractor's refusal (in the table's shape): no handler ran, so none audited it.
    let rejected = res.extensions().get::<error::Answered>().is_some_and(|a| a.rejected);
    if rejected && restricted {
        if let Err(audit) = auth::write_audit(&state, None, &info, res.status().as_u16(), None) {
            return audit.into_response();
        }
    }
    // Our own errors are JSON or HTML; a plain-text client error is the framework's (one
    // no extractor of ours sees, such as a wrong method).
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if res.status().is_client_error() && plain {
        let status = res.status();
        let body = axum::body::to_bytes(std::mem::take(res.body_mut()), 64 << 10)
            .await
            .unwrap_or_default();
        let text = akutt_model::fnr::mask_fnr(&String::from_utf8_lossy(&body)).into_owned();
        let e = match status {
            axum::http::StatusCode::PAYLOAD_TOO_LARGE => AppError::new(Code::PayloadTooLarge, text),
            _ => AppError::new(Code::MalformedRequest, text),
        };
        if restricted {
            if let Err(audit) = auth::write_audit(&state, None, &info, status.as_u16(), None) {
                return audit.into_response();
            }
        }
        res = e.into_response();
    }
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // `same-origin`, not `no-referrer`: with `no-referrer` browsers send `Origin: null` on
    // form posts, which the CSRF check must refuse.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if restricted {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The client's address, when the server knows it (`serve` records it; behind a proxy it
/// is the proxy's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

/// What the audit log records of a request besides its user: method, path and query, and
/// the client's address.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    pub method: axum::http::Method,
    pub uri: axum::http::Uri,
    pub client: Option<std::net::IpAddr>,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let client = parts.extensions.get::<ClientAddr>().and_then(|c| c.0);
        Ok(RequestInfo { method: parts.method.clone(), uri: parts.uri.clone(), client })
    }
}

/// An unknown route: the JSON error of the error table.
async fn not_found(uri: axum::http::Uri) -> AppError {
    let path = akutt_model::fnr::mask_fnr(uri.path());
    AppError::new(Code::PageNotFound, path)
}

/// Serves `app` on an address until Ctrl-C.
pub async fn serve(state: Arc<AppState>, addr: &str) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
