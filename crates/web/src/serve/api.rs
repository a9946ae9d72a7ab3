//! The JSON API behind the UI: small, paged answers from the loaded
//! analyses (never a graph dump). Every route is `GET /api/…`; errors are
//! `{"error": "…"}` with a 4xx/5xx status, 503 while a snapshot loads.

use super::state::{ClassIndex, Loaded, Slot, SnapshotIndex, State};
use crate::Redaction;
use axum::extract::{Path, Query, State as Ext};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use heapscope_analysis::inspect::{EdgeBrief, NodeBrief};
use heapscope_analysis::packages::PackageRow;
use heapscope_analysis::strings::DuplicateString;
use heapscope_analysis::summary::ClassRow;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Rows per page unless asked; never more than [`MAX_LIMIT`].
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/api/snapshots", get(snapshots))
        .route("/api/snapshots/{s}/summary", get(summary))
        .route(
            "/api/snapshots/{s}/classes/{class}/instances",
            get(instances),
        )
        .route("/api/snapshots/{s}/nodes/{id}", get(node))
        .route("/api/snapshots/{s}/nodes/{id}/retainers", get(retainers))
        .route("/api/snapshots/{s}/nodes/{id}/edges", get(edges))
        .route("/api/snapshots/{s}/statistics", get(statistics))
        .route("/api/snapshots/{s}/packages", get(packages))
        .route("/api/snapshots/{s}/strings", get(strings))
        .route("/api/snapshots/{s}/search", get(search))
        .route("/api/compare", get(compare))
        .route("/api/leaks", get(leaks))
}

/// An error answer.
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

fn not_found(what: String) -> ApiError {
    ApiError(StatusCode::NOT_FOUND, what)
}

type Answer<T> = Result<Json<T>, ApiError>;

#[derive(Deserialize, Default)]
pub struct PageQuery {
    offset: Option<usize>,
    limit: Option<usize>,
    filter: Option<String>,
    sort: Option<SortKey>,
}

impl PageQuery {
    fn offset(&self) -> usize {
        self.offset.unwrap_or(0)
    }
    fn limit(&self) -> usize {
        self.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT)
    }
    /// The filter as a case-insensitive regex (a bad one is a 400).
    fn filter(&self) -> Result<Option<regex::Regex>, ApiError> {
        match self.filter.as_deref().filter(|f| !f.is_empty()) {
            None => Ok(None),
            Some(f) => regex::RegexBuilder::new(f)
                .case_insensitive(true)
                .build()
                .map(Some)
                .map_err(|e| ApiError(StatusCode::BAD_REQUEST, format!("filter: {e}"))),
        }
    }
}

/// Column a table is sorted by, largest first.
#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    Retained,
    #[serde(rename = "self")]
    SelfSize,
    Count,
    Distance,
    Name,
}

#[derive(Serialize)]
pub struct Page<T> {
    pub total: usize,
    pub offset: usize,
    pub items: Vec<T>,
}

fn page_of<T: Clone>(all: &[T], q: &PageQuery) -> Page<T> {
    Page {
        total: all.len(),
        offset: q.offset(),
        items: all
            .iter()
            .skip(q.offset())
            .take(q.limit())
            .cloned()
            .collect(),
    }
}

/// Runs `work` on tokio's blocking threads (analysis passes take longer
/// than a request should hold a worker).
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

/// The loaded snapshot `s`, or why not.
fn loaded(state: &State, s: usize) -> Result<Arc<Loaded>, ApiError> {
    match state.slot(SnapshotIndex(s)) {
        None => Err(not_found(format!("no snapshot {s}"))),
        Some(Slot::Loading) => Err(ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("snapshot {s} is still loading"),
        )),
        Some(Slot::Failed(e)) => Err(ApiError(StatusCode::UNPROCESSABLE_ENTITY, e)),
        Some(Slot::Ready(l)) => Ok(l),
    }
}

/// The ordinal of the object `@id`.
fn ordinal(l: &Loaded, id: u32) -> Result<u32, ApiError> {
    l.analysis
        .node_by_id(id)
        .ok_or_else(|| not_found(format!("no object @{id} in {}", l.name)))
}

#[derive(Serialize)]
pub struct SnapshotEntry {
    index: usize,
    file: String,
    state: &'static str,
    error: Option<String>,
    node_count: Option<usize>,
    total_size: Option<u64>,
    class_count: Option<usize>,
    load_seconds: Option<f64>,
}

async fn snapshots(Ext(state): Ext<Arc<State>>) -> Json<Vec<SnapshotEntry>> {
    let entries = (0..state.files.len())
        .map(|i| {
            let file = state.files[i].display().to_string();
            let mut e = SnapshotEntry {
                index: i,
                file,
                state: "loading",
                error: None,
                node_count: None,
                total_size: None,
                class_count: None,
                load_seconds: None,
            };
            match state.slot(SnapshotIndex(i)) {
                Some(Slot::Ready(l)) => {
                    e.state = "ready";
                    e.node_count = Some(l.analysis.snap.node_count());
                    e.total_size = Some(l.summary.total_self_size);
                    e.class_count = Some(l.summary.class_count);
                    e.load_seconds = Some(l.load_seconds);
                }
                Some(Slot::Failed(msg)) => {
                    e.state = "failed";
                    e.error = Some(msg);
                }
                _ => {}
            }
            e
        })
        .collect();
    Json(entries)
}

#[derive(Serialize, Clone)]
pub struct ClassEntry {
    index: u32,
    #[serde(flatten)]
    row: ClassRow,
}

#[derive(Serialize)]
pub struct SummaryAnswer {
    total_count: u64,
    total_self_size: u64,
    #[serde(flatten)]
    page: Page<ClassEntry>,
}

async fn summary(
    Ext(state): Ext<Arc<State>>,
    Path(s): Path<usize>,
    Query(q): Query<PageQuery>,
) -> Answer<SummaryAnswer> {
    let l = loaded(&state, s)?;
    let filter = q.filter()?;
    let mut rows: Vec<ClassEntry> = l
        .summary
        .classes
        .iter()
        .enumerate()
        .filter(|(_, r)| filter.as_ref().is_none_or(|f| f.is_match(&r.name)))
        .map(|(i, r)| ClassEntry {
            index: i as u32,
            row: r.clone(),
        })
        .collect();
    sort_classes(&mut rows, q.sort);
    Ok(Json(SummaryAnswer {
        total_count: l.summary.total_count,
        total_self_size: l.summary.total_self_size,
        page: page_of(&rows, &q),
    }))
}

fn sort_classes(rows: &mut [ClassEntry], key: Option<SortKey>) {
    match key {
        None | Some(SortKey::Retained) => {}
        Some(SortKey::SelfSize) => rows.sort_by_key(|r| std::cmp::Reverse(r.row.self_size)),
        Some(SortKey::Count) => rows.sort_by_key(|r| std::cmp::Reverse(r.row.count)),
        Some(SortKey::Distance) => rows.sort_by_key(|r| r.row.distance),
        Some(SortKey::Name) => rows.sort_by(|a, b| a.row.name.cmp(&b.row.name)),
    }
}

async fn instances(
    Ext(state): Ext<Arc<State>>,
    Path((s, class)): Path<(usize, u32)>,
    Query(q): Query<PageQuery>,
) -> Answer<Page<NodeBrief>> {
    let l = loaded(&state, s)?;
    if class as usize >= l.summary.classes.len() {
        return Err(not_found(format!("no class {class} in {}", l.name)));
    }
    let l2 = l.clone();
    blocking(move || {
        l2.instances(ClassIndex(class));
    })
    .await?;
    let list = l.instances(ClassIndex(class));
    let items = list
        .iter()
        .skip(q.offset())
        .take(q.limit())
        .map(|&v| brief(&l, v, state.redaction))
        .collect();
    Ok(Json(Page {
        total: list.len(),
        offset: q.offset(),
        items,
    }))
}

fn brief(l: &Loaded, v: u32, r: Redaction) -> NodeBrief {
    let mut b = l.analysis.brief(v);
    b.name = r.node_name(&b.node_type, &b.name);
    b
}

fn redact_edges(mut edges: Vec<EdgeBrief>, r: Redaction) -> Vec<EdgeBrief> {
    for e in &mut edges {
        e.node.name = r.node_name(&e.node.node_type, &e.node.name);
    }
    edges
}

/// How many edges each way a node answer carries (more through paging).
const NODE_EDGES: usize = 50;

async fn node(Ext(state): Ext<Arc<State>>, Path((s, id)): Path<(usize, u32)>) -> Response {
    let result = (|| {
        let l = loaded(&state, s)?;
        let v = ordinal(&l, id)?;
        let r = state.redaction;
        let mut d = l.analysis.details(v, NODE_EDGES, 500);
        d.node.name = r.node_name(&d.node.node_type, &d.node.name);
        if let Some(sv) = d.string_value.as_mut() {
            sv.value = r.value(&sv.value);
        }
        d.incoming = redact_edges(d.incoming, r);
        d.outgoing = redact_edges(d.outgoing, r);
        for b in &mut d.dominator_chain {
            b.name = r.node_name(&b.node_type, &b.name);
        }
        let class = l.class_of(v).map(|c| c.0);
        let mut value = serde_json::to_value(&d).unwrap_or_default();
        value["class_index"] = serde_json::json!(class);
        Ok::<_, ApiError>(Json(value))
    })();
    result.into_response()
}

/// Which edges of an object a page lists.
#[derive(Clone, Copy)]
enum Direction {
    /// Edges to it, in DevTools' Retainers view order.
    Retainers,
    /// Edges from it, largest target first.
    Edges,
}

async fn retainers(
    Ext(state): Ext<Arc<State>>,
    Path((s, id)): Path<(usize, u32)>,
    Query(q): Query<PageQuery>,
) -> Answer<Page<EdgeBrief>> {
    edge_page(&state, (s, id), &q, Direction::Retainers)
}

async fn edges(
    Ext(state): Ext<Arc<State>>,
    Path((s, id)): Path<(usize, u32)>,
    Query(q): Query<PageQuery>,
) -> Answer<Page<EdgeBrief>> {
    edge_page(&state, (s, id), &q, Direction::Edges)
}

fn edge_page(
    state: &State,
    (s, id): (usize, u32),
    q: &PageQuery,
    direction: Direction,
) -> Answer<Page<EdgeBrief>> {
    let l = loaded(state, s)?;
    let v = ordinal(&l, id)?;
    let (items, total) = match direction {
        Direction::Retainers => l.analysis.retainers_page(v, q.offset(), q.limit()),
        Direction::Edges => l.analysis.edges_page(v, q.offset(), q.limit()),
    };
    Ok(Json(Page {
        total,
        offset: q.offset(),
        items: redact_edges(items, state.redaction),
    }))
}

async fn statistics(Ext(state): Ext<Arc<State>>, Path(s): Path<usize>) -> Response {
    match loaded(&state, s) {
        Ok(l) => Json(l.statistics.clone()).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The loaded snapshot `s` with `prepare` done (a table built on first
/// use) on a blocking thread.
async fn prepared(state: &State, s: usize, prepare: fn(&Loaded)) -> Result<Arc<Loaded>, ApiError> {
    let l = loaded(state, s)?;
    let l2 = l.clone();
    blocking(move || prepare(&l2)).await?;
    Ok(l)
}

async fn packages(
    Ext(state): Ext<Arc<State>>,
    Path(s): Path<usize>,
    Query(q): Query<PageQuery>,
) -> Answer<Page<PackageRow>> {
    let l = prepared(&state, s, |l| {
        l.packages();
    })
    .await?;
    Ok(Json(page_of(l.packages(), &q)))
}

async fn strings(
    Ext(state): Ext<Arc<State>>,
    Path(s): Path<usize>,
    Query(q): Query<PageQuery>,
) -> Answer<Page<DuplicateString>> {
    let l = prepared(&state, s, |l| {
        l.strings();
    })
    .await?;
    let mut page = page_of(l.strings(), &q);
    for row in &mut page.items {
        row.value = state.redaction.value(&row.value);
    }
    Ok(Json(page))
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: String,
}

/// `@id` finds an object, anything else the classes whose name matches.
async fn search(
    Ext(state): Ext<Arc<State>>,
    Path(s): Path<usize>,
    Query(q): Query<SearchQuery>,
) -> Response {
    let result = (|| {
        let l = loaded(&state, s)?;
        let text = q.q.trim();
        if let Some(id) = text.strip_prefix('@') {
            let id: u32 = id.parse().map_err(|_| {
                ApiError(StatusCode::BAD_REQUEST, format!("not an object id: {text}"))
            })?;
            let v = ordinal(&l, id)?;
            return Ok(Json(serde_json::json!({
                "object": brief(&l, v, state.redaction),
                "class_index": l.class_of(v).map(|c| c.0),
            })));
        }
        let needle = text.to_lowercase();
        let classes: Vec<ClassEntry> = l
            .summary
            .classes
            .iter()
            .enumerate()
            .filter(|(_, r)| r.name.to_lowercase().contains(&needle))
            .take(DEFAULT_LIMIT)
            .map(|(i, r)| ClassEntry {
                index: i as u32,
                row: r.clone(),
            })
            .collect();
        Ok::<_, ApiError>(Json(serde_json::json!({ "classes": classes })))
    })();
    result.into_response()
}

/// `base` and `target` snapshots, and the page (query strings cannot carry
/// a flattened struct's numbers, so its fields are repeated here).
#[derive(Deserialize)]
pub struct CompareQuery {
    base: usize,
    target: usize,
    offset: Option<usize>,
    limit: Option<usize>,
    filter: Option<String>,
}

impl CompareQuery {
    fn page(&self) -> PageQuery {
        PageQuery {
            offset: self.offset,
            limit: self.limit,
            filter: self.filter.clone(),
            sort: None,
        }
    }
}

async fn compare(Ext(state): Ext<Arc<State>>, Query(q): Query<CompareQuery>) -> Response {
    let result = async {
        let base = loaded(&state, q.base)?;
        let target = loaded(&state, q.target)?;
        let page = q.page();
        let filter = page.filter()?;
        let st = state.clone();
        let c = blocking(move || st.comparison(&base, &target, (q.base, q.target))).await?;
        let rows: Vec<_> = c
            .classes
            .iter()
            .filter(|r| filter.as_ref().is_none_or(|f| f.is_match(&r.name)))
            .cloned()
            .collect();
        Ok::<_, ApiError>(Json(serde_json::json!({
            "totals": c.totals,
            "classes": page_of(&rows, &page),
        })))
    };
    result.await.into_response()
}

async fn leaks(Ext(state): Ext<Arc<State>>) -> Response {
    let st = state.clone();
    let answer = tokio::task::spawn_blocking(move || st.leaks()).await;
    match answer {
        Ok(None) => ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            "snapshots are still loading".into(),
        )
        .into_response(),
        Ok(Some(Ok(report))) => Json(report).into_response(),
        Ok(Some(Err(e))) => ApiError(StatusCode::UNPROCESSABLE_ENTITY, e).into_response(),
        Err(e) => ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
