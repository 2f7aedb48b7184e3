//! The public JSON API: indicators with the CLI's filters and groupings, always after
//! disclosure control, a CSV download of the same table, and the OpenAPI document.

use std::sync::Arc;

use akutt_indicators::compute::compute_answer;
use akutt_indicators::disclosure::{publish, PublicFigure};
use akutt_indicators::{RawRequest, Request, SplitNote};
use akutt_model::MonthRange;
use axum::extract::{Query as QueryParams, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{AppError, AppState};

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
        Request::parse(&raw).map_err(|e| AppError::BadRequest(e.for_api().to_string()))?;
    // Answers are immutable per data version: cache them (bounded).
    let key_at = |version: i64| {
        format!(
            "{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
            version, q.months, q.centre, q.by, q.filters, ids, q.structure
        )
    };
    let asked = match as_of {
        Some(v) => v,
        None => state.latest_version()?,
    };
    if let Some(a) = state.cached_answer(&key_at(asked)) {
        return Ok(a);
    }
    let (version, computed) = match state.answer_streamed(as_of, &q, &ids)? {
        Some(streamed) => streamed,
        None => {
            // Only the submissions of the months the answer reads, kept in a window.
            let loaded = state.loaded_months(as_of, q.months_read(&ids))?;
            if !loaded.dataset.keyed {
                // Without record keys every cell key is known and the noise with it.
                return Err(AppError::Internal(
                    "public figures need the record keys of the registry's key (serve with \
                     --key-file)"
                        .into(),
                ));
            }
            let computed = compute_answer(&loaded.dataset, &q, loaded.population.as_deref(), &ids)
                .map_err(|e| AppError::BadRequest(format!("structure: {e}")))?;
            (loaded.version, computed)
        }
    };
    let key = key_at(version);
    let a = Arc::new(Answer {
        version,
        months: q.months,
        figures: publish(&computed.figures, &state.disclosure()),
        structure: computed.structure,
        splits: computed.splits,
    });
    state.cache_answer(key, a.clone());
    Ok(a)
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
    let json_response = |body: axum::body::Bytes| {
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    let key = match p.as_of {
        None => Some(format!("{}?{}", state.latest_version()?, uri.query().unwrap_or(""))),
        Some(_) => None,
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
            "notes": a.notes(),
            "indicators": a.figures.iter().map(figure_json).collect::<Vec<_>>(),
        })
        .to_string(),
    );
    if let Some(k) = key.filter(|k| k.starts_with(&format!("{}?", a.version))) {
        state.cache_body(k, body.clone());
    }
    Ok(json_response(body))
}

fn csv_cell(v: &Value) -> String {
    let s = match v {
        Value::Null => "..".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The figures as one CSV table: indicator, the group keys, then every value column.
pub fn to_csv(a: &Answer) -> String {
    let rows: Vec<Value> = a.figures.iter().map(figure_json).collect();
    let mut keys: Vec<String> = Vec::new();
    let mut cols: Vec<String> = Vec::new();
    for r in &rows {
        for k in r["group"].as_object().into_iter().flat_map(|o| o.keys()) {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
        for k in r.as_object().into_iter().flat_map(|o| o.keys()) {
            if !["id", "group", "suppressed", "status"].contains(&k.as_str()) && !cols.contains(k) {
                cols.push(k.clone());
            }
        }
    }
    let mut out = format!(
        "data_version,indicator,{}\n",
        keys.iter().chain(&cols).cloned().collect::<Vec<_>>().join(",")
    );
    for r in &rows {
        let mut line = vec![a.version.to_string(), csv_cell(&r["id"])];
        line.extend(keys.iter().map(|k| csv_cell(&r["group"][k])));
        line.extend(cols.iter().map(|k| match (&r[k], status_symbol(r, k)) {
            (Value::Null, Some(symbol)) => symbol.to_string(),
            (v, _) => csv_cell(v),
        }));
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// `GET /data/indikatorer.csv`: the same parameters as the API.
pub async fn indicators_csv(
    State(state): State<Arc<AppState>>,
    QueryParams(p): QueryParams<IndicatorParams>,
) -> Result<Response, AppError> {
    let a = blocking(move || answer(&state, &p)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"indikatorer.csv\""),
        ],
        to_csv(&a),
    )
        .into_response())
}

/// `GET /api/openapi.json`
pub async fn openapi() -> Json<Value> {
    let p = |name: &str, desc: &str| json!({ "name": name, "in": "query", "required": false, "schema": { "type": "string" }, "description": desc });
    let status = json!({ "type": "object", "description": "the symbol of every field without a value: ':' suppressed, '..' no data", "additionalProperties": { "type": "string", "enum": [":", ".."] } });
    let error = json!({ "type": "object", "properties": { "error": { "type": "object", "properties": { "code": { "type": "string", "enum": ["bad_request", "unauthorized", "forbidden", "not_found", "internal"] }, "message": { "type": "string" } } } } });
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
                    p("by", "comma-separated: centre, month, year, kommune, urgency, hendelsestype, sambandsvei, area"),
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
            "/data/indikatorer.csv": { "get": { "summary": "The same figures as CSV", "responses": { "200": { "description": "CSV", "content": { "text/csv": {} } } } } },
            "/api/submissions": { "get": { "summary": "Submissions (restricted: a centre user sees its own)", "security": [{ "bearer": [] }], "responses": { "200": { "description": "list" }, "401": { "description": "no token", "content": { "application/json": { "schema": error } } } } } },
            "/api/submissions/{id}/report": { "get": { "summary": "A submission's data-quality report (restricted)", "security": [{ "bearer": [] }],
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "report" }, "401": { "description": "no token" }, "403": { "description": "another centre's report" }, "404": { "description": "no such submission" } } } }
        },
        "components": { "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } } }
    }))
}

/// The figures as a JSON-stat 2.0 dataset (the format of the Nordic statistics offices):
/// dimensions `indicator`, each group key present, and `measure`; withheld values are `null`
/// with status `..` (not available for confidentiality).
pub fn to_jsonstat(a: &Answer, synthetic: bool) -> Value {
    let rows: Vec<Value> = a.figures.iter().map(figure_json).collect();
    let mut dims: Vec<(String, Vec<String>)> = vec![("indicator".into(), Vec::new())];
    let mut measures: Vec<String> = Vec::new();
    let push = |list: &mut Vec<String>, v: String| {
        if !list.contains(&v) {
            list.push(v);
        }
    };
    for r in &rows {
        push(&mut dims[0].1, r["id"].as_str().unwrap_or("").to_string());
        for (k, v) in r["group"].as_object().into_iter().flatten() {
            let label = match v {
                Value::String(s) => s.clone(),
                Value::Null => "ukjent".into(),
                other => other.to_string(),
            };
            match dims.iter_mut().find(|(d, _)| d == k) {
                Some((_, cats)) => push(cats, label),
                None => dims.push((k.clone(), vec![label])),
            }
        }
        for (k, v) in r.as_object().into_iter().flatten() {
            if !["id", "group", "suppressed", "status"].contains(&k.as_str())
                && (v.is_number() || v.is_null())
            {
                push(&mut measures, k.clone());
            }
        }
    }
    for (_, cats) in dims.iter_mut().skip(1) {
        cats.sort();
    }
    dims.push(("measure".into(), measures));
    let size: Vec<usize> = dims.iter().map(|(_, c)| c.len().max(1)).collect();
    let total: usize = size.iter().product();
    let mut value = vec![Value::Null; total];
    let mut status = serde_json::Map::new();
    for r in &rows {
        let mut idx = 0usize;
        let mut ok = true;
        for (d, cats) in dims.iter().take(dims.len() - 1) {
            let label = if d == "indicator" {
                r["id"].as_str().unwrap_or("").to_string()
            } else {
                match &r["group"][d] {
                    Value::String(s) => s.clone(),
                    Value::Null if r["group"].get(d).is_some() => "ukjent".into(),
                    Value::Null => {
                        ok = false;
                        String::new()
                    }
                    other => other.to_string(),
                }
            };
            let i = cats.iter().position(|c| *c == label).unwrap_or(0);
            idx = idx * cats.len().max(1) + i;
        }
        if !ok {
            continue;
        }
        let measures = &dims[dims.len() - 1].1;
        for (mi, m) in measures.iter().enumerate() {
            let at = idx * measures.len().max(1) + mi;
            if let Some(v) = r.get(m) {
                value[at] = v.clone();
                if let (true, Some(symbol)) = (v.is_null(), status_symbol(r, m)) {
                    status.insert(at.to_string(), json!(symbol));
                }
            }
        }
    }
    let dimension: serde_json::Map<String, Value> = dims
        .iter()
        .map(|(d, cats)| {
            let index: serde_json::Map<String, Value> =
                cats.iter().enumerate().map(|(i, c)| (c.clone(), json!(i))).collect();
            (d.clone(), json!({ "label": d, "category": { "index": index } }))
        })
        .collect();
    json!({
        "version": "2.0",
        "class": "dataset",
        "label": format!("Akutt: indikatorer {} – {}", a.months.from(), a.months.to()),
        "source": if synthetic { "Akutt (SYNTETISKE DATA / SYNTHETIC DATA)" } else { "Akutt" },
        "note": [NOTE_CELL_KEY, "Status ':' = skjult (under terskelen etter støy), '..' = ingen data. / Status ':' = suppressed (under the threshold after noise), '..' = no data."],
        "id": dims.iter().map(|(d, _)| d.clone()).collect::<Vec<_>>(),
        "size": size,
        "dimension": dimension,
        "value": value,
        "status": status,
        "extension": { "data_version": a.version },
    })
}

/// The method in one sentence, for every open table.
pub const NOTE_CELL_KEY: &str = "Tallene er beskyttet med cellenøkkelmetoden: hvert antall har fått et lite, fast støyledd (høyst ±3), antall under 5 etter støy er skjult, og summer er ikke alltid lik summen av delene. / Figures are protected by the cell-key method: each count carries a small fixed noise (at most ±3), counts under 5 after noise are withheld, and totals need not equal the sum of their parts.";

/// `GET /data/indikatorer.json`: JSON-stat 2.0, the same parameters as the API.
pub async fn indicators_jsonstat(
    State(state): State<Arc<AppState>>,
    QueryParams(p): QueryParams<IndicatorParams>,
) -> Result<Response, AppError> {
    let synthetic = state.config.synthetic;
    let a = blocking(move || answer(&state, &p)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"indikatorer.json\""),
        ],
        to_jsonstat(&a, synthetic).to_string(),
    )
        .into_response())
}
