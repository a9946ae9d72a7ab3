//! Who may ask: on loopback, only requests naming a loopback host (a web page
//! elsewhere cannot reach the UI through DNS rebinding); with a token, only
//! requests carrying it (`Authorization: Bearer`, the `heapscope_token`
//! cookie, or `?token=` on the first page, which then sets the cookie).

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;

const COOKIE: &str = "heapscope_token";

/// The access rules of one server.
pub struct Guard {
    pub token: Option<String>,
    pub bind: SocketAddr,
}

impl Guard {
    /// Whether the Host header names this server on loopback (any host is
    /// accepted when bound elsewhere: the token guards it).
    fn host_allowed(&self, host: Option<&str>) -> bool {
        if !self.bind.ip().is_loopback() {
            return true;
        }
        let Some(host) = host else { return false };
        let port = self.bind.port();
        ["127.0.0.1", "localhost", "[::1]"]
            .iter()
            .any(|h| host == format!("{h}:{port}") || (port == 80 && host == *h))
    }

    /// The token the request carries, if it is the right one; `via_query`
    /// tells whether it came in the URL (the cookie is then set).
    fn token_ok(&self, req: &Request) -> Option<bool> {
        let Some(expected) = self.token.as_deref() else {
            return Some(false);
        };
        let headers = req.headers();
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().strip_prefix(COOKIE)?.strip_prefix('='))
            .next();
        let query = req
            .uri()
            .query()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("token=")));
        let matches =
            |given: Option<&str>| given.is_some_and(|g| same(g.as_bytes(), expected.as_bytes()));
        match (matches(bearer) || matches(cookie), matches(query)) {
            (true, _) => Some(false),
            (false, true) => Some(true),
            (false, false) => None,
        }
    }
}

/// Compares in time independent of where the strings differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The middleware: refuses what the rules refuse, sets the cookie after a
/// token given in the URL.
pub async fn check(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if !guard.host_allowed(host.as_deref()) {
        return (
            StatusCode::FORBIDDEN,
            "heapscope serve: this server answers only to 127.0.0.1 and localhost\n",
        )
            .into_response();
    }
    let via_query = match guard.token_ok(&req) {
        None => {
            return (StatusCode::UNAUTHORIZED, "heapscope serve: a token is needed (open the URL serve printed, or send Authorization: Bearer TOKEN)\n").into_response();
        }
        Some(via_query) => via_query,
    };
    let mut response = next.run(req).await;
    if via_query {
        if let Some(token) = guard.token.as_deref() {
            let cookie = format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/");
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
        }
    }
    response
}

/// A new random token: 128 bits as 32 hex digits.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_accepts_only_loopback_host_names() {
        let g = Guard {
            token: None,
            bind: "127.0.0.1:7000".parse().unwrap(),
        };
        assert!(g.host_allowed(Some("127.0.0.1:7000")));
        assert!(g.host_allowed(Some("localhost:7000")));
        assert!(!g.host_allowed(Some("evil.example:7000")));
        assert!(!g.host_allowed(Some("127.0.0.1:7001")));
        assert!(!g.host_allowed(None));
    }

    #[test]
    fn tokens_are_random_and_compared_whole() {
        let a = new_token().unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, new_token().unwrap());
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
    }
}
