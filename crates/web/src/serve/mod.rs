//! `heapscope serve`: the local web UI. [`run`] binds (loopback unless told
//! otherwise; anywhere else only with a token), starts loading the snapshots
//! on a thread of their own, and answers the page, its scripts and the JSON
//! API ([`api`]) until Ctrl-C.

mod api;
mod auth;
mod state;

pub use auth::new_token;
pub use state::{Loaded, State};

use crate::page;
use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// What `serve` was asked to do.
pub struct ServeOptions {
    pub files: Vec<PathBuf>,
    pub bind: SocketAddr,
    /// Needed off loopback: the caller makes one when the user gave none.
    pub token: Option<String>,
    pub redaction: crate::Redaction,
    /// Where analyses are cached between runs (none: never).
    pub cache: Option<heapscope_analysis::cache::Cache>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("serve is bound to {0}, which is not loopback: it needs a token (--token)")]
    NeedsToken(SocketAddr),
    #[error("cannot start the server: {0}")]
    Runtime(std::io::Error),
}

/// Where the server listens, told once it does.
pub struct Listening {
    pub addr: SocketAddr,
    /// The address to open, with the token when there is one.
    pub url: String,
}

/// Serves until Ctrl-C; `on_listening` is called once the socket is bound.
pub fn run(opts: ServeOptions, on_listening: impl FnOnce(&Listening)) -> Result<(), ServeError> {
    if !opts.bind.ip().is_loopback() && opts.token.is_none() {
        return Err(ServeError::NeedsToken(opts.bind));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(opts.bind)
            .await
            .map_err(|source| ServeError::Bind {
                addr: opts.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(ServeError::Runtime)?;
        let state = Arc::new(State::new(opts.files, opts.redaction, opts.cache));
        let loader = state.clone();
        std::thread::spawn(move || loader.load_all());
        let app = router(state, opts.token.clone(), addr);
        let url = match &opts.token {
            Some(t) => format!("http://{addr}/?token={t}"),
            None => format!("http://{addr}/"),
        };
        on_listening(&Listening { addr, url });
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(ServeError::Runtime)
    })
}

/// The page, its files, the API; the guard in front of all of them (the
/// token, the loopback host names when `bind` is loopback) and the security
/// headers on every answer.
pub fn router(state: Arc<State>, token: Option<String>, bind: SocketAddr) -> Router {
    let guard = Arc::new(auth::Guard { token, bind });
    Router::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", page::UI_HTML) }),
        )
        .route(
            "/ui.js",
            get(|| async { asset("text/javascript; charset=utf-8", page::UI_JS) }),
        )
        .route(
            "/charts.js",
            get(|| async { asset("text/javascript; charset=utf-8", page::CHARTS_JS) }),
        )
        .route(
            "/style.css",
            get(|| async { asset("text/css; charset=utf-8", page::STYLE_CSS) }),
        )
        .merge(api::routes())
        .with_state(state)
        .layer(axum::middleware::from_fn(security_headers))
        .layer(axum::middleware::from_fn_with_state(guard, auth::check))
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type)], body)
}

async fn security_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(page::SERVE_CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
