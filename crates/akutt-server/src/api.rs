//! The public JSON API: indicators with the CLI's filters and groupings, always after
//! disclosure control, a CSV download of the same table, and the OpenAPI document.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::error::extract::Query as QueryParams;
use crate::Code;
use akutt_indicators::compute::compute_answer;
use akutt_indicators::disclosure::{publish, PublicFigure};
use akutt_indicators::{RawRequest, Request, SplitNote};
use akutt_model::MonthRange;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{AppError, AppState};
use akutt_store::releases::Release;

/// Query parameters of `/api/indicators` (the CLI's flags).
#[derive(Debug, Default, Deserialize, Clone)]
pub struct IndicatorParams {
    pub from: Option<String>,
    pub to: Option<String>,
    pub centre: Option<String>,
    /// Comma-separated grouping keys.
    pub by: Option<String>,
    /// Comma-separated filters `key:value` (e.g. `urgency:R,area:rural`).
    #[serde(rename = "where")]
    pub filter: Option<String>,
    pub as_of: Option<i64>,
    /// The year of the municipality structure (none: the newest).
    pub structure: Option<String>,
    /// Comma-separated indicator ids.
    pub indicator: Option<String>,
    /// The language of the open tables (`en`; default bokmål). Not part of the question.
    pub lang: Option<String>,
}

/// The published answer to a query: data version, the query and the suppressed figures.
pub struct Answer {
    pub version: i64,
    pub months: MonthRange,
    pub figures: Vec<PublicFigure>,
    /// The municipality structure of every figure by municipality (its year).
    pub structure: i32,
    /// Numbers that split and were counted in their largest successor.
    pub splits: Vec<SplitNote>,
    /// The release it publishes (`None`: an answer for the release step, never public).
    pub release: Option<Release>,
}

impl Answer {
    /// The notes of the answer about its municipalities, one sentence each.
    pub fn notes(&self) -> Vec<String> {
        self.splits.iter().map(ToString::to_string).collect()
    }
}

/// Validates the parameters, computes and suppresses (blocking: call off the async threads).
pub fn answer(state: &AppState, p: &IndicatorParams) -> Result<Arc<Answer>, AppError> {
    let raw = RawRequest {
        from: p.from.as_deref(),
        to: p.to.as_deref(),
        centre: p.centre.as_deref(),
        by: p.by.as_deref().into_iter().collect(),
        filters: p.filter.as_deref().into_iter().collect(),
        indicators: p.indicator.as_deref().into_iter().collect(),
        as_of: p.as_of,
        structure: p.structure.as_deref(),
    };
    let Request { query: q, indicators: ids, as_of } =
        Request::parse(&raw).map_err(|e| AppError::request(&e))?;
    // The public sees a release only (DOMAIN.md §12): its data version, its months.
    let release = crate::release::public(state, as_of)?;
    crate::release::check_months(&release, q.months)?;
    answer_at(state, &q, &ids, Some(release.data_version), Some(release))
}

/// The published answer to a parsed question at a data version (`None`: the latest),
/// released or not: the release step computes with it what a release would change.
pub fn answer_at(
    state: &AppState,
    q: &akutt_indicators::Query,
    ids: &[akutt_indicators::Indicator],
    as_of: Option<i64>,
    release: Option<Release>,
) -> Result<Arc<Answer>, AppError> {
    // Answers are immutable per data version and release: cache them (bounded).
    let release_id = release.as_ref().map(|r| r.id);
    let key_at = |version: i64| {
        format!(
            "{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
            version, release_id, q.months, q.centre, q.by, q.filters, ids, q.structure
        )
    };
    let asked = match as_of {
        Some(v) => v,
        None => state.latest_version()?,
    };
    if let Some(a) = state.cached_answer(&key_at(asked)) {
        return Ok(a);
    }
    let (version, computed) = compute_at(state, q, ids, as_of)?;
    let key = key_at(version);
    let a = Arc::new(Answer {
        version,
        months: q.months,
        figures: publish(&computed.figures, &state.disclosure()),
        structure: computed.structure,
        splits: computed.splits,
        release,
    });
    state.cache_answer(key, a.clone());
    Ok(a)
}

/// The exact figures of a parsed question at a data version (`None`: the latest), before
/// disclosure control: for the public only through [`answer_at`]; the restricted area's
/// completeness calendar reads its counts. Streamed beyond the windows, as the CLI answers.
pub fn compute_at(
    state: &AppState,
    q: &akutt_indicators::Query,
    ids: &[akutt_indicators::Indicator],
    as_of: Option<i64>,
) -> Result<(i64, akutt_indicators::Computed), AppError> {
    if let Some(streamed) = state.answer_streamed(as_of, q, ids)? {
        return Ok(streamed);
    }
    // Only the submissions of the months the answer reads, kept in a window.
    let loaded = state.loaded_months(as_of, q.months_read(ids))?;
    if !loaded.dataset.keyed {
        // Without record keys every cell key is known and the noise with it.
        return Err(AppError::no_record_keys());
    }
    let computed = compute_answer(&loaded.dataset, q, loaded.population.as_deref(), ids)
        .map_err(|e| AppError::new(Code::UnknownStructure, format!("structure: {e}")))?;
    Ok((loaded.version, computed))
}

/// One published figure as JSON: withheld and missing values are `null`; withheld ones are
/// listed in `suppressed`, and `status` gives each empty field's symbol (`:` suppressed,
/// `..` no data; DOMAIN.md §9).
pub fn figure_json(f: &PublicFigure) -> Value {
    let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
    let status: serde_json::Map<String, Value> = f
        .values
        .statuses()
        .into_iter()
        .filter(|(_, s)| *s != akutt_disclosure::Status::Value)
        .map(|(name, s)| (name.to_string(), json!(s.symbol())))
        .collect();
    if let (Some(o), false) = (v.as_object_mut(), status.is_empty()) {
        o.insert("status".into(), Value::Object(status));
    }
    v
}

/// A field's symbol when it holds no value (`:` suppressed, `..` no data), from the
/// figure's `status`.
pub fn status_symbol<'a>(figure: &'a Value, field: &str) -> Option<&'a str> {
    figure["status"][field].as_str()
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f).await.map_err(AppError::internal)?
}

/// `GET /api/indicators`. The serialized answer is cached per data version and query.
pub async fn indicators(
    State(state): State<Arc<AppState>>,
    uri: axum::http::Uri,
    QueryParams(p): QueryParams<IndicatorParams>,
) -> Result<Response, AppError> {
    let json_response = |(body, tag): (axum::body::Bytes, String)| {
        ([(header::CONTENT_TYPE, "application/json".to_string()), (header::ETAG, tag)], body)
            .into_response()
    };
    // Cached by release (what the public sees moves only with a new one).
    let release = state.latest_release()?;
    let key = match (p.as_of, &release) {
        (None, Some(r)) => {
            Some(format!("{}.{}?{}", r.id, r.data_version, uri.query().unwrap_or("")))
        }
        _ => None,
    };
    if let Some(body) = key.as_deref().and_then(|k| state.cached_body(k)) {
        return Ok(json_response(body));
    }
    let threshold = state.config.suppression_threshold;
    let synthetic = state.config.synthetic;
    let st = state.clone();
    let a = blocking(move || answer(&st, &p)).await?;
    let body = axum::body::Bytes::from(
        json!({
            "data_version": a.version,
            "from": a.months.from().to_string(),
            "to": a.months.to().to_string(),
            "suppression_threshold": threshold,
            "synthetic": synthetic,
            "structure": a.structure,
            "release": a.release.as_ref().map(|r| crate::release::describe(r, Some(a.months))),
            "notes": a.notes(),
            "indicators": a.figures.iter().map(figure_json).collect::<Vec<_>>(),
        })
        .to_string(),
    );
    let tagged = (body.clone(), crate::body_tag(&body));
    let answered = a.release.as_ref().map(|r| format!("{}.{}?", r.id, r.data_version));
    if let Some(k) = key.filter(|k| answered.is_some_and(|p| k.starts_with(&p))) {
        state.cache_body(k, tagged.clone());
    }
    Ok(json_response(tagged))
}

/// The names behind the codes of an answer (municipalities of its structure).
fn names_of(state: &AppState, a: &Answer) -> Result<crate::tables::Names, AppError> {
    let register = state.catalog()?.register_at(a.version)?;
    Ok(register
        .structure(a.structure)
        .map(|s| s.municipalities.iter().map(|m| (m.number.clone(), m.name.clone())).collect())
        .unwrap_or_default())
}

/// `GET /data/indikatorer.csv`: one indicator (`indicator=`) as a labelled table for
/// spreadsheets (docs/PUBLISH.md); the same other parameters as the API.
pub async fn indicators_csv(
    State(state): State<Arc<AppState>>,
    QueryParams(p): QueryParams<IndicatorParams>,
) -> Result<Response, AppError> {
    let one = p.indicator.as_deref().is_some_and(|i| !i.contains(',') && !i.trim().is_empty());
    if !one {
        return Err(AppError::new(
            Code::OneIndicatorPerCsv,
            format!(
                "indicator={} (one of {}); /data/indikatorer.xlsx has them all",
                p.indicator.as_deref().unwrap_or(""),
                akutt_indicators::Indicator::names()
            ),
        ));
    }
    let lang = crate::html::Lang::of(p.lang.as_deref());
    let synthetic = state.config.synthetic;
    let by = p.by.clone().unwrap_or_default();
    let (a, names) = blocking(move || {
        let a = answer(&state, &p)?;
        let names = names_of(&state, &a)?;
        Ok::<_, AppError>((a, names))
    })
    .await?;
    let tables = crate::tables::tables(&a, &names, lang);
    let (what, csv) = match tables.first() {
        Some(t) => (t.indicator.name(), crate::tables::to_csv(t, a.version, synthetic, lang)),
        None => ("indikatorer", "\u{feff}".to_string()),
    };
    let name = crate::tables::file_name(&a, what, &by, synthetic, "csv");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        csv,
    )
        .into_response())
}

/// `GET /data/indikatorer.xlsx`: every indicator of the answer as a sheet of an Excel
/// workbook, with a first sheet about the data; the same parameters as the API.
pub async fn indicators_xlsx(
    State(state): State<Arc<AppState>>,
    QueryParams(p): QueryParams<IndicatorParams>,
) -> Result<Response, AppError> {
    let lang = crate::html::Lang::of(p.lang.as_deref());
    let synthetic = state.config.synthetic;
    let by = p.by.clone().unwrap_or_default();
    let (a, bytes) = blocking(move || {
        let a = answer(&state, &p)?;
        let names = names_of(&state, &a)?;
        let created = state.catalog()?.data_version_created_at(a.version)?;
        let tables = crate::tables::tables(&a, &names, lang);
        let bytes = crate::tables::to_xlsx(&tables, &a, synthetic, created.as_deref(), lang)
            .map_err(AppError::internal)?;
        Ok::<_, AppError>((a, bytes))
    })
    .await?;
    let name = crate::tables::file_name(&a, "indikatorer", &by, synthetic, "xlsx");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /api/openapi.json`
pub async fn openapi() -> Json<Value> {
    let p = |name: &str, desc: &str| json!({ "name": name, "in": "query", "required": false, "schema": { "type": "string" }, "description": desc });
    let status = json!({ "type": "object", "description": "the symbol of every field without a value: ':' suppressed, '..' no data", "additionalProperties": { "type": "string", "enum": [":", ".."] } });
    // Every error answer, its codes and messages generated from the one error table.
    let error = crate::error::openapi_schema();
    Json(json!({
        "openapi": "3.1.0",
        "info": { "title": "Akutt", "version": env!("CARGO_PKG_VERSION"), "description": "National indicators of emergency medical dispatch (AMK) activity. Public figures are aggregates protected by the cell-key method (DOMAIN.md §9): every count carries a small, consistent noise of at most ±3 (variance 2), counts under 5 after noise are withheld (null, status ':'), no data is null with status '..'; shares, rates and changes come from the noisy counts, medians and percentiles only where n ≥ 5. Totals need not equal the sum of their parts. Every answer names its data version." },
        "paths": {
            "/api/indicators": { "get": {
                "summary": "Indicators (DOMAIN.md §8) for a period, filters and groupings",
                "parameters": [
                    { "name": "from", "in": "query", "required": true, "schema": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$" } },
                    { "name": "to", "in": "query", "required": true, "schema": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$" } },
                    p("centre", "centre code, e.g. OSL"),
                    p("by", "comma-separated: centre, month, year, kommune, urgency, hendelsestype, sambandsvei, area, innringer, hour, weekday, hentested, leveringssted, kriteriekapittel"),
                    p("where", "comma-separated key:value filters, e.g. urgency:R,area:rural"),
                    { "name": "as_of", "in": "query", "required": false, "schema": { "type": "integer" }, "description": "recompute at this data version" },
                    p("indicator", "comma-separated ids: volume, response_time, response_within_target, amk_reaction_time, alert_to_arrival, mission_time"),
                ],
                "responses": {
                    "200": { "description": "figures", "content": { "application/json": { "schema": { "type": "object", "required": ["data_version", "from", "to", "indicators"], "properties": {
                        "data_version": { "type": "integer" }, "from": { "type": "string" }, "to": { "type": "string" },
                        "suppression_threshold": { "type": "integer" }, "synthetic": { "type": "boolean" },
                        "indicators": { "type": "array", "items": { "type": "object", "required": ["id", "group"], "properties": { "id": { "type": "string" }, "group": { "type": "object" }, "suppressed": { "type": "array", "items": { "type": "string" } }, "status": status } } } } } } } },
                    "400": { "description": "bad parameters", "content": { "application/json": { "schema": error } } }
                }
            } },
            "/api/benchmark": { "get": {
                "summary": "The Nordic-American benchmark: Norway and NEMSIS v3.5 side by side (call-to-scene, notified-to-scene, STEMI/stroke/cardiac arrest), with definitions and caveats; small counts withheld",
                "parameters": [
                    { "name": "from", "in": "query", "required": false, "schema": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$" } },
                    { "name": "to", "in": "query", "required": false, "schema": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$" } }
                ],
                "responses": {
                    "200": { "description": "both sides", "content": { "application/json": { "schema": { "type": "object", "required": ["data_version", "norway", "nemsis", "definitions", "caveats"] } } } },
                    "400": { "description": "bad parameters", "content": { "application/json": { "schema": error } } }
                }
            } },
            "/data/indikatorer.csv": { "get": { "summary": "One indicator (indicator= is required, exactly one) as a labelled table for spreadsheets: codes with names, times in minutes, shares and changes in per cent, ':' withheld and '..' no data in empty cells, the data version (and a synthetic flag) on every row. Bokmål: ';'-separated with decimal comma; lang=en: ','-separated with decimal point; UTF-8 with BOM. The same other parameters as /api/indicators", "parameters": [{ "name": "indicator", "in": "query", "required": true, "schema": { "type": "string" } }, p("lang", "en for English headers, ',' and decimal point")], "responses": { "200": { "description": "CSV", "content": { "text/csv": {} } }, "400": { "description": "bad parameters (one_indicator_per_csv and the API's)", "content": { "application/json": { "schema": error } } } } } },
            "/data/indikatorer.xlsx": { "get": { "summary": "Every indicator of the answer as a sheet of an Excel workbook (the CSV's tables, numbers as numbers), with a first sheet about the data (source, period, data version, method, symbols, synthetic flag); the same parameters as /api/indicators", "parameters": [p("lang", "en for English")], "responses": { "200": { "description": "Excel workbook", "content": { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {} } }, "400": { "description": "bad parameters", "content": { "application/json": { "schema": error } } } } } },
            "/data/indikatorer.json": { "get": { "summary": "The same figures as JSON-stat 2.0: a collection of one dataset per indicator (dimensions: the grouping keys and `measure`, with nb/en labels, roles and units; every withheld cell null with status ':', every cell without data null with status '..'); the same parameters as /api/indicators", "responses": { "200": { "description": "JSON-stat 2.0 collection", "content": { "application/json": { "schema": { "type": "object", "required": ["version", "class", "link"], "properties": { "version": { "const": "2.0" }, "class": { "const": "collection" }, "updated": { "type": "string" }, "link": { "type": "object" }, "extension": { "type": "object" } } } } } }, "400": { "description": "bad parameters", "content": { "application/json": { "schema": error } } } } } },
            "/api/submissions": { "get": { "summary": "Submissions (restricted: a centre user sees its own)", "security": [{ "bearer": [] }], "responses": { "200": { "description": "list" }, "401": { "description": "no token", "content": { "application/json": { "schema": error } } } } } },
            "/api/submissions/{id}/report": { "get": { "summary": "A submission's data-quality report (restricted)", "security": [{ "bearer": [] }],
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "report" }, "401": { "description": "no token" }, "403": { "description": "another centre's report" }, "404": { "description": "no such submission" } } } }
        },
        "components": { "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } } }
    }))
}

/// The figures as JSON-stat 2.0 (the format of the Nordic statistics offices): a
/// `collection` of one `dataset` per indicator, each with its grouping keys and `measure`
/// as dimensions (labels nb/en, roles time/geo/metric, a unit per measure), every cell a
/// value or `null` with its status (`:` withheld, `..` no data); `updated` is when the data
/// version was made, and the data version and the synthetic flag are in `extension`.
pub fn to_jsonstat(a: &Answer, synthetic: bool, updated: Option<&str>) -> Value {
    let rows: Vec<Value> = a.figures.iter().map(figure_json).collect();
    // One dataset per indicator: the figures of one indicator share their dimensions and
    // measures, those of different indicators do not (a cube over all of them would be
    // mostly holes, and a figure without one of its dimensions would have no cell).
    let mut ids: Vec<&str> = Vec::new();
    for r in &rows {
        let id = r["id"].as_str().unwrap_or("");
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let items: Vec<Value> = ids
        .iter()
        .map(|id| {
            let of: Vec<&Value> = rows.iter().filter(|r| r["id"] == *id).collect();
            jsonstat_dataset(id, &of, a, synthetic, updated)
        })
        .collect();
    let mut collection = json!({
        "version": "2.0",
        "class": "collection",
        "label": format!("Akutt: indikatorer / indicators {} – {}", a.months.from(), a.months.to()),
        "source": source_label(synthetic),
        "note": [NOTE_CELL_KEY, NOTE_STATUS],
        "link": { "item": items },
        "extension": {
            "data_version": a.version,
            "release": a.release.as_ref().map(|r| crate::release::describe(r, Some(a.months))),
            "synthetic": synthetic,
            "notes": a.notes(),
        },
    });
    if let Some(u) = updated {
        collection["updated"] = json!(u);
    }
    collection
}

pub(crate) const NOTE_STATUS: &str = "Status ':' = skjult (under terskelen etter støy), '..' = ingen data. / Status ':' = suppressed (under the threshold after noise), '..' = no data.";

pub(crate) fn source_label(synthetic: bool) -> &'static str {
    if synthetic {
        "Akutt (SYNTETISKE DATA / SYNTHETIC DATA)"
    } else {
        "Akutt"
    }
}

/// A grouping key's label (nb / en) and its JSON-stat role, if any.
fn dimension_label(key: &str) -> (&'static str, Option<&'static str>) {
    match key {
        "centre" => ("AMK-sentral / Emergency medical communication centre", Some("geo")),
        "kommune" => ("Kommune / Municipality", Some("geo")),
        "month" => ("Måned / Month", Some("time")),
        "year" => ("År / Year", Some("time")),
        "urgency" => ("Hastegrad / Urgency", None),
        "area" => ("Område / Area", None),
        "hendelsestype" => ("Hendelsestype / Incident type", None),
        "sambandsvei" => ("Sambandsvei / Contact channel", None),
        "innringer" => ("Innringer / Caller type", None),
        "hour" => ("Time på døgnet / Hour of day", None),
        "weekday" => ("Ukedag / Weekday", None),
        "hentested" => ("Hentested / Incident place", None),
        "leveringssted" => ("Leveringssted / Delivery place", None),
        "kriteriekapittel" => ("Kriteriekapittel / Index criterion chapter", None),
        _ => ("Gruppe / Group", None),
    }
}

/// A category's label (nb / en) where the code alone does not say it.
pub(crate) fn category_label(key: &str, code: &str) -> String {
    let known = match (key, code) {
        ("urgency", "R") => "Rød (akutt) / Red (acute)",
        ("urgency", "G") => "Gul (haster) / Yellow (urgent)",
        ("urgency", "N") => "Grønn (vanlig) / Green (normal)",
        ("area", "urban") => "Tettbygd / Urban",
        ("area", "rural") => "Spredtbygd / Rural",
        ("hendelsestype", "SYK") => "Sykdom, somatisk / Illness, somatic",
        ("hendelsestype", "SKA") => "Skade/ulykke / Injury or accident",
        ("hendelsestype", "FOD") => "Fødsel/fødselshjelp / Birth",
        ("hendelsestype", "RUS") => "Rus og psykisk lidelse / Substance use and mental illness",
        ("hendelsestype", "OVF") => {
            "Overføring mellom institusjoner / Transfer between institutions"
        }
        ("hendelsestype", "INN") => "Formidling innleggelse / Admission arranged",
        ("hendelsestype", "BER") => "Beredskap / Standby",
        ("hendelsestype", "FEIL") => "Feil / Misdial or error",
        ("hendelsestype", "ANN") => "Annet / Other",
        ("sambandsvei", "113") => "Nødlinje 113 / Emergency line 113",
        ("sambandsvei", "ROD") => "Annen rød linje / Other red line",
        ("sambandsvei", "AMB") => "Ambulansebestilling / Ambulance booking",
        ("sambandsvei", "NOD") => "Annen nødetat / Other emergency service",
        ("sambandsvei", "ANN") => "Andre / Other",
        ("sambandsvei", "LV") => "Legevakt-linje / Out-of-hours clinic line",
        ("innringer", "PUB") => "Publikum / Public",
        ("innringer", "HP") => "Helsepersonell / Health personnel",
        ("innringer", "BPH") => "Brann/politi/HRS / Fire, police, rescue",
        ("hentested" | "leveringssted", "SH") => "Sykehus / Hospital",
        ("hentested" | "leveringssted", "SHJ") => "Sykehjem / Nursing home",
        ("hentested" | "leveringssted", "LEG") => "Lege/legevakt / Doctor or out-of-hours clinic",
        ("hentested" | "leveringssted", "INST") => "Annen institusjon / Other institution",
        ("hentested" | "leveringssted", "HJEM") => {
            "Hjem eller annen privat adresse / Home or other private address"
        }
        ("hentested" | "leveringssted", "OFF") => "Offentlig sted / Public place",
        ("hentested" | "leveringssted", "ANN") => "Annet sted / Other place",
        ("leveringssted", "RETUR") => "Retur uten pasient / Return without patient",
        ("kriteriekapittel", "34") => "Trafikkulykke / Traffic accident",
        ("weekday", "1") => "Mandag / Monday",
        ("weekday", "2") => "Tirsdag / Tuesday",
        ("weekday", "3") => "Onsdag / Wednesday",
        ("weekday", "4") => "Torsdag / Thursday",
        ("weekday", "5") => "Fredag / Friday",
        ("weekday", "6") => "Lørdag / Saturday",
        ("weekday", "7") => "Søndag / Sunday",
        (_, UNKNOWN_CATEGORY) => "Ukjent / Unknown",
        _ => return code.to_string(),
    };
    known.to_string()
}

/// The category of a figure without a value for a grouping key.
const UNKNOWN_CATEGORY: &str = "ukjent";

/// A measure's words (`nb / en`), by its field name.
pub(crate) fn measure_words(m: &str) -> Option<&'static str> {
    Some(match m {
        "incidents" => "Hendelser / Incidents",
        "contacts" => "Henvendelser / Contacts",
        "missions" => "Oppdrag / Missions",
        "road_missions" => "Bilambulanseoppdrag / Road ambulance missions",
        "air_missions" => "Luftambulanseoppdrag / Air ambulance missions",
        "n" => "Antall med tid / Number with a time",
        "n_missing" => "Antall uten tid / Number without a time",
        "median_s" => "Median",
        "p90_s" => "90-persentil / 90th percentile",
        "mean_s" => "Gjennomsnitt / Mean",
        "within" => "Antall innen målet / Number within the target",
        "share" => "Andel innen målet / Share within the target",
        "per_1000" => "Per 1 000 innbyggere / Per 1,000 inhabitants",
        "change_vs_last_year" => "Endring fra året før / Change from the year before",
        "unit_hours" => "Ambulansetimer / Unit-hours",
        _ => return None,
    })
}

/// A measure's label (nb / en), unit label and decimals.
fn measure_unit(name: &str) -> (String, &'static str, u8) {
    let (base, part) = name.split_once('.').unwrap_or((name, ""));
    let words = |m: &str| measure_words(m).unwrap_or(m).to_string();
    let label =
        if part.is_empty() { words(base) } else { format!("{}: {}", words(base), words(part)) };
    let (unit, decimals) = if base == "mean_s" {
        ("sekunder / seconds", 1)
    } else if base.ends_with("_s") {
        ("sekunder / seconds", 0)
    } else if base.starts_with("share") || base == "change_vs_last_year" {
        ("andel (0–1) / share (0–1)", 4)
    } else if base == "per_1000" {
        ("per 1 000 innbyggere / per 1,000 inhabitants", 4)
    } else {
        ("antall / count", 0)
    };
    (label, unit, decimals)
}

/// A figure's measures: numbers (or null) and objects of numbers flattened one level
/// (`per_1000.incidents`), in the figure's order.
pub(crate) fn flat_measures(r: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (k, v) in r.as_object().into_iter().flatten() {
        if ["id", "group", "suppressed", "status"].contains(&k.as_str()) {
            continue;
        }
        match v {
            Value::Number(_) | Value::Null => out.push((k.clone(), v.clone())),
            Value::Object(o) => {
                for (sub, x) in o {
                    if x.is_number() || x.is_null() {
                        out.push((format!("{k}.{sub}"), x.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// One indicator's figures as a JSON-stat 2.0 dataset: its grouping keys then `measure`
/// (role metric) as dimensions, every cell a value or null with its status (`:` withheld,
/// `..` no data), so `value` has the product of `size` cells.
fn jsonstat_dataset(
    id: &str,
    rows: &[&Value],
    a: &Answer,
    synthetic: bool,
    updated: Option<&str>,
) -> Value {
    let push = |list: &mut Vec<String>, v: String| {
        if !list.contains(&v) {
            list.push(v);
        }
    };
    let label_of = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => UNKNOWN_CATEGORY.into(),
        other => other.to_string(),
    };
    let flat = flat_measures;
    let mut dims: Vec<(String, Vec<String>)> = Vec::new();
    let mut measures: Vec<String> = Vec::new();
    for r in rows {
        for (k, v) in r["group"].as_object().into_iter().flatten() {
            match dims.iter_mut().find(|(d, _)| d == k) {
                Some((_, cats)) => push(cats, label_of(v)),
                None => dims.push((k.clone(), vec![label_of(v)])),
            }
        }
        for (m, _) in flat(r) {
            push(&mut measures, m);
        }
    }
    for (_, cats) in &mut dims {
        cats.sort();
    }
    // A figure without one of the keys others have is in its "unknown" category.
    for r in rows {
        for (d, cats) in &mut dims {
            if r["group"].get(d.as_str()).is_none() {
                push(cats, UNKNOWN_CATEGORY.into());
            }
        }
    }
    let size: Vec<usize> =
        dims.iter().map(|(_, c)| c.len()).chain(std::iter::once(measures.len())).collect();
    let total: usize = size.iter().product();
    let mut value = vec![Value::Null; total];
    let mut filled = vec![false; total];
    let mut status = serde_json::Map::new();
    for r in rows {
        let mut idx = 0usize;
        for (d, cats) in &dims {
            let label = r["group"].get(d.as_str()).map_or(UNKNOWN_CATEGORY.into(), label_of);
            let i = cats.iter().position(|c| *c == label).unwrap_or(0);
            idx = idx * cats.len() + i;
        }
        for (m, v) in flat(r) {
            let Some(mi) = measures.iter().position(|x| *x == m) else { continue };
            let at = idx * measures.len() + mi;
            filled[at] = true;
            if v.is_null() {
                let symbol = status_symbol(r, &m).unwrap_or("..");
                status.insert(at.to_string(), json!(symbol));
            }
            value[at] = v;
        }
    }
    // Cells no figure has (a group without that measure, an empty combination): no data.
    for (at, f) in filled.iter().enumerate() {
        if !f {
            status.insert(at.to_string(), json!(".."));
        }
    }
    let mut dimension = serde_json::Map::new();
    let mut role: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (d, cats) in &dims {
        let (label, r) = dimension_label(d);
        if let Some(r) = r {
            role.entry(r).or_default().push(d.clone());
        }
        let index: serde_json::Map<String, Value> =
            cats.iter().enumerate().map(|(i, c)| (c.clone(), json!(i))).collect();
        let labels: serde_json::Map<String, Value> =
            cats.iter().map(|c| (c.clone(), json!(category_label(d, c)))).collect();
        dimension.insert(
            d.clone(),
            json!({ "label": label, "category": { "index": index, "label": labels } }),
        );
    }
    role.entry("metric").or_default().push("measure".into());
    let index: serde_json::Map<String, Value> =
        measures.iter().enumerate().map(|(i, m)| (m.clone(), json!(i))).collect();
    let mut labels = serde_json::Map::new();
    let mut units = serde_json::Map::new();
    for m in &measures {
        let (label, unit, decimals) = measure_unit(m);
        labels.insert(m.clone(), json!(label));
        units.insert(m.clone(), json!({ "label": unit, "decimals": decimals }));
    }
    dimension.insert(
        "measure".into(),
        json!({ "label": "Mål / Measure", "category": { "index": index, "label": labels, "unit": units } }),
    );
    let mut ids: Vec<String> = dims.iter().map(|(d, _)| d.clone()).collect();
    ids.push("measure".into());
    let mut dataset = json!({
        "version": "2.0",
        "class": "dataset",
        "label": format!("Akutt: {id} {} – {}", a.months.from(), a.months.to()),
        "source": source_label(synthetic),
        "note": [NOTE_CELL_KEY, NOTE_STATUS],
        "id": ids,
        "size": size,
        "role": role,
        "dimension": dimension,
        "value": value,
        "status": status,
        "extension": { "indicator": id, "data_version": a.version, "synthetic": synthetic, "structure": a.structure },
    });
    if let Some(u) = updated {
        dataset["updated"] = json!(u);
    }
    dataset
}

/// The method in one sentence, for every open table.
pub const NOTE_CELL_KEY: &str = "Tallene er beskyttet med cellenøkkelmetoden: hvert antall har fått et lite, fast støyledd (høyst ±3), antall under 5 etter støy er skjult, og summer er ikke alltid lik summen av delene. / Figures are protected by the cell-key method: each count carries a small fixed noise (at most ±3), counts under 5 after noise are withheld, and totals need not equal the sum of their parts.";

/// `GET /data/indikatorer.json`: JSON-stat 2.0, the same parameters as the API.
pub async fn indicators_jsonstat(
    State(state): State<Arc<AppState>>,
    QueryParams(p): QueryParams<IndicatorParams>,
) -> Result<Response, AppError> {
    let synthetic = state.config.synthetic;
    let (a, updated) = blocking(move || {
        let a = answer(&state, &p)?;
        let updated = state.catalog()?.data_version_created_at(a.version)?;
        Ok::<_, AppError>((a, updated))
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"indikatorer.json\""),
        ],
        to_jsonstat(&a, synthetic, updated.as_deref()).to_string(),
    )
        .into_response())
}
