//! The web UI's API on the repository's small fixture snapshot, checked
//! against DevTools' own answers recorded in tests/fixtures (Summary,
//! Retainers view), and its access rules: token, loopback host names,
//! redaction, errors.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use heapscope_web::serve::{router, State};
use heapscope_web::Redaction;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

fn devtools(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture(name)).expect("fixture");
    serde_json::from_str(&text).expect("fixture JSON")
}

/// The fixture loaded once for all tests of this file (each redaction mode).
fn state(redaction: Redaction) -> Arc<State> {
    static SHOW: OnceLock<Arc<State>> = OnceLock::new();
    static MASK: OnceLock<Arc<State>> = OnceLock::new();
    let cell = match redaction {
        Redaction::Show => &SHOW,
        Redaction::Mask => &MASK,
    };
    cell.get_or_init(|| {
        let s = Arc::new(State::new(
            vec![fixture("small-a.heapsnapshot.gz")],
            redaction,
            None,
        ));
        s.load_all();
        s
    })
    .clone()
}

const LOOPBACK: &str = "127.0.0.1:7878";

async fn get_with(
    state: Arc<State>,
    token: Option<&str>,
    bind: &str,
    req: Request<Body>,
) -> (StatusCode, Vec<(String, String)>, Vec<u8>) {
    let app = router(state, token.map(str::to_string), bind.parse().unwrap());
    let response = app.oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, headers, body.to_vec())
}

fn request(uri: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::HOST, LOOPBACK)
        .body(Body::empty())
        .unwrap()
}

async fn json(state: Arc<State>, uri: &str) -> (StatusCode, Value) {
    let (status, _, body) = get_with(state, None, LOOPBACK, request(uri)).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_summary_pages_are_devtools_summary() {
    let (status, page) = json(
        state(Redaction::Show),
        "/api/snapshots/0/summary?limit=1000",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let expected = &devtools("small-a.devtools.json")["summary"];
    assert_eq!(page["total"], expected["class_count"]);
    assert_eq!(page["total_self_size"], expected["total_self_size"]);
    let items = page["items"].as_array().unwrap();
    let classes = expected["classes"].as_array().unwrap();
    assert_eq!(items.len(), classes.len());
    for (got, want) in items.iter().zip(classes) {
        for field in [
            "class_key",
            "count",
            "self_size",
            "retained_size",
            "distance",
        ] {
            assert_eq!(got[field], want[field], "{field} of {}", want["class_key"]);
        }
    }
    // A second page starts where the first ended.
    let (_, second) = json(
        state(Redaction::Show),
        "/api/snapshots/0/summary?offset=5&limit=3",
    )
    .await;
    assert_eq!(second["items"][0]["class_key"], classes[5]["class_key"]);
    assert_eq!(second["items"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_class_lists_its_objects_largest_retained_first() {
    let st = state(Redaction::Show);
    let (_, page) = json(st.clone(), "/api/snapshots/0/summary?filter=%5EFunction%24").await;
    let class = &page["items"][0];
    assert_eq!(class["name"], "Function");
    let uri = format!(
        "/api/snapshots/0/classes/{}/instances?limit=1000",
        class["index"]
    );
    let (status, list) = json(st, &uri).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], class["count"]);
    let sizes: Vec<u64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["retained_size"].as_u64().unwrap())
        .collect();
    assert!(
        sizes.windows(2).all(|w| w[0] >= w[1]),
        "not sorted by retained size"
    );
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["class_name"] == "Function"));
}

/// The given fields of each element (`/a/b` is a JSON pointer).
fn fields<const N: usize>(list: &Value, keys: [&str; N]) -> Vec<Vec<Value>> {
    let item = |e: &Value| {
        keys.iter()
            .map(|k| match k.starts_with('/') {
                true => e.pointer(k).cloned().unwrap_or(Value::Null),
                false => e[*k].clone(),
            })
            .collect()
    };
    list.as_array().unwrap().iter().map(item).collect()
}

#[tokio::test]
async fn retainers_are_devtools_retainers_view() {
    let st = state(Redaction::Show);
    let recorded = devtools("small-a.devtools-retainers.json");
    let recorded = recorded.as_object().unwrap();
    assert!(recorded.len() > 20);
    for (id, want) in recorded {
        let (status, page) = json(
            st.clone(),
            &format!("/api/snapshots/0/nodes/{id}/retainers?limit=1000"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "@{id}");
        let got = fields(
            &page["items"],
            ["edge_type", "edge_name", "/node/id", "/node/distance"],
        );
        let want = fields(want, ["edge_type", "edge_name", "retainer_id", "distance"]);
        assert_eq!(
            page["total"].as_u64().unwrap() as usize,
            want.len(),
            "@{id}"
        );
        assert_eq!(got, want, "retainers of @{id}");
    }
}

#[tokio::test]
async fn an_object_answer_has_its_class_and_dominator_chain_to_the_root() {
    let st = state(Redaction::Show);
    let (_, page) = json(st.clone(), "/api/snapshots/0/summary?filter=%5EObject%24").await;
    let class = page["items"][0]["index"].clone();
    let (_, list) = json(
        st.clone(),
        &format!("/api/snapshots/0/classes/{class}/instances?limit=1"),
    )
    .await;
    let id = list["items"][0]["id"].clone();
    let (status, node) = json(st, &format!("/api/snapshots/0/nodes/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(node["class_index"], class);
    let chain = node["dominator_chain"].as_array().unwrap();
    assert_eq!(chain[0]["id"], id);
    assert_eq!(
        chain.last().unwrap()["type"],
        "synthetic",
        "the chain ends at the root"
    );
    let sizes: Vec<u64> = chain
        .iter()
        .map(|n| n["retained_size"].as_u64().unwrap())
        .collect();
    assert!(
        sizes.windows(2).all(|w| w[0] <= w[1]),
        "a dominator retains at least what it dominates"
    );
}

#[tokio::test]
async fn bad_requests_get_clear_errors() {
    let st = state(Redaction::Show);
    let (status, body) = json(st.clone(), "/api/snapshots/0/nodes/4000000000").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"]
        .as_str()
        .unwrap()
        .contains("no object @4000000000"));
    let (status, _) = json(st.clone(), "/api/snapshots/7/summary").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = json(st.clone(), "/api/snapshots/0/summary?filter=(").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().starts_with("filter:"));
    let (status, body) = json(st, "/api/leaks").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"].as_str().unwrap().contains("three or more"));
    // A snapshot still loading answers 503.
    let loading = Arc::new(State::new(
        vec![fixture("small-a.heapsnapshot.gz")],
        Redaction::Show,
        None,
    ));
    let (status, _) = json(loading, "/api/snapshots/0/summary").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn off_loopback_every_request_needs_the_token() {
    let st = state(Redaction::Show);
    let token = "0123456789abcdef0123456789abcdef";
    let bind = "0.0.0.0:7878";
    let plain = |uri: &str| {
        Request::get(uri)
            .header(header::HOST, "10.0.0.5:7878")
            .body(Body::empty())
            .unwrap()
    };
    for uri in ["/", "/ui.js", "/api/snapshots"] {
        let (status, _, _) = get_with(st.clone(), Some(token), bind, plain(uri)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}");
    }
    let wrong = Request::get("/api/snapshots")
        .header(
            header::AUTHORIZATION,
            "Bearer 0123456789abcdef0123456789abcdee",
        )
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        get_with(st.clone(), Some(token), bind, wrong).await.0,
        StatusCode::UNAUTHORIZED
    );
    let bearer = Request::get("/api/snapshots")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        get_with(st.clone(), Some(token), bind, bearer).await.0,
        StatusCode::OK
    );
    // The token in the URL opens the page and sets a cookie that works alone.
    let (status, headers, _) = get_with(
        st.clone(),
        Some(token),
        bind,
        plain(&format!("/?token={token}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let cookie = headers
        .iter()
        .find(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v.clone())
        .expect("cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let pair = cookie.split(';').next().unwrap().to_string();
    let with_cookie = Request::get("/api/snapshots")
        .header(header::COOKIE, pair)
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        get_with(st, Some(token), bind, with_cookie).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn on_loopback_other_host_names_are_refused_and_headers_are_strict() {
    let st = state(Redaction::Show);
    let rebound = Request::get("/api/snapshots")
        .header(header::HOST, "attacker.example:7878")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        get_with(st.clone(), None, LOOPBACK, rebound).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, headers, body) = get_with(st, None, LOOPBACK, request("/")).await;
    assert_eq!(status, StatusCode::OK);
    let csp = headers
        .iter()
        .find(|(k, _)| k == "content-security-policy")
        .map(|(_, v)| v.as_str())
        .unwrap();
    assert!(csp.starts_with("default-src 'none'") && csp.contains("connect-src 'self'"));
    assert!(String::from_utf8(body).unwrap().contains("/ui.js"));
}

#[tokio::test]
async fn redaction_masks_every_string_value() {
    let shown = state(Redaction::Show);
    let masked = state(Redaction::Mask);
    let (_, plain) = json(shown, "/api/snapshots/0/strings?limit=5").await;
    let (_, hidden) = json(masked.clone(), "/api/snapshots/0/strings?limit=5").await;
    let first = plain["items"][0]["value"].as_str().unwrap();
    assert!(!first.is_empty());
    let expected = format!("‹redacted: {} chars›", first.chars().count());
    assert_eq!(hidden["items"][0]["value"], expected.as_str());
    // A string object's own answer and its name in lists.
    let (_, page) = json(
        masked.clone(),
        "/api/snapshots/0/summary?filter=%5E%5C(string%5C)%24",
    )
    .await;
    let class = page["items"][0]["index"].clone();
    let (_, list) = json(
        masked.clone(),
        &format!("/api/snapshots/0/classes/{class}/instances?limit=20"),
    )
    .await;
    for o in list["items"].as_array().unwrap() {
        assert!(
            o["name"].as_str().unwrap().starts_with("‹redacted: "),
            "{o}"
        );
    }
    let id = list["items"][0]["id"].clone();
    let (_, node) = json(masked, &format!("/api/snapshots/0/nodes/{id}")).await;
    assert!(node["string_value"]["value"]
        .as_str()
        .unwrap()
        .starts_with("‹redacted: "));
}
