//! The target: `http://host:port/path` parsed by hand (http only), the host
//! resolved, every address checked to be loopback unless remote targets are
//! allowed, and the rotation list of paths (`--urls-file`).

use crate::error::LoadError;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;

/// A parsed `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpUrl {
    /// The host as written, brackets kept for IPv6 (`[::1]`).
    pub host: String,
    pub port: u16,
    /// Path and query, at least `/`.
    pub path: String,
}

impl HttpUrl {
    pub fn parse(url: &str) -> Result<Self, LoadError> {
        let bad = |reason: &str| LoadError::InvalidUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("expected http://host:port/path"))?;
        match scheme.to_ascii_lowercase().as_str() {
            "http" => {}
            "https" => return Err(LoadError::Https { url: url.into() }),
            _ => return Err(bad("only http:// is supported")),
        }
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'?' => (&rest[..i], format!("/{}", &rest[i..])),
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        };
        let path = path.split('#').next().unwrap_or("/").to_string();
        if authority.contains('@') {
            return Err(bad("user information in the URL is not supported"));
        }
        let (host, port) = split_host_port(authority).ok_or_else(|| bad("bad host or port"))?;
        if path.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(bad(
                "the path must not contain spaces or control characters",
            ));
        }
        Ok(HttpUrl {
            host: host.to_string(),
            port,
            path,
        })
    }

    /// The `Host` header value: the host, and the port unless it is 80.
    pub fn authority(&self) -> String {
        if self.port == 80 {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Resolves the host; every address must be loopback unless `allow_remote`.
    pub fn resolve(&self, allow_remote: bool) -> Result<Vec<SocketAddr>, LoadError> {
        let bare = self.host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<SocketAddr> = (bare, self.port)
            .to_socket_addrs()
            .map_err(|source| LoadError::Resolve {
                host: self.host.clone(),
                source,
            })?
            .collect();
        if addrs.is_empty() {
            return Err(LoadError::Resolve {
                host: self.host.clone(),
                source: std::io::Error::other("no addresses"),
            });
        }
        if !allow_remote {
            if let Some(addr) = addrs.iter().find(|a| !a.ip().is_loopback()) {
                return Err(LoadError::NotLoopback {
                    host: self.host.clone(),
                    addr: *addr,
                });
            }
        }
        Ok(addrs)
    }
}

/// `host`, `host:port`, `[v6]`, `[v6]:port`; the port defaults to 80.
fn split_host_port(authority: &str) -> Option<(&str, u16)> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let port = authority[end + 1..].strip_prefix(':');
        if port.is_none() && end + 1 != authority.len() {
            return None;
        }
        (&authority[..=end], port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => p.parse().ok().filter(|&p| p != 0)?,
        None => 80,
    };
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b));
    valid.then_some((host, port))
}

/// The paths to rotate over: `urls` (paths or URLs on the target's host and
/// port), or the target's own path when there are none.
pub(crate) fn rotation(target: &HttpUrl, urls: &[String]) -> Result<Vec<String>, LoadError> {
    if urls.is_empty() {
        return Ok(vec![target.path.clone()]);
    }
    urls.iter()
        .map(|u| {
            rotation_path(target, u).map_err(|reason| LoadError::InvalidUrl {
                url: u.clone(),
                reason,
            })
        })
        .collect()
}

fn rotation_path(target: &HttpUrl, text: &str) -> Result<String, String> {
    if text.starts_with('/') {
        if text.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err("the path must not contain spaces or control characters".into());
        }
        return Ok(text.to_string());
    }
    let url = HttpUrl::parse(text).map_err(|e| e.to_string())?;
    if url.host != target.host || url.port != target.port {
        return Err(format!(
            "every URL must be on the target's host and port ({})",
            target.authority()
        ));
    }
    Ok(url.path)
}

/// Reads a `--urls-file`: one path or URL per line; blank lines and lines
/// starting with `#` are skipped.
pub fn read_urls_file(path: &Path) -> Result<Vec<String>, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::File {
        path: path.to_path_buf(),
        source,
    })?;
    let urls: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    if let Some((i, _)) = text.lines().enumerate().find(|(_, l)| {
        let l = l.trim();
        !l.is_empty() && !l.starts_with('#') && !l.starts_with('/') && !l.contains("://")
    }) {
        return Err(LoadError::UrlsFile {
            path: path.to_path_buf(),
            line: i + 1,
            reason: "expected a path starting with / or an http:// URL".into(),
        });
    }
    if urls.is_empty() {
        return Err(LoadError::UrlsFile {
            path: path.to_path_buf(),
            line: 0,
            reason: "no paths or URLs in the file".into(),
        });
    }
    Ok(urls)
}

/// Checks that `url` is an `http://` URL whose host resolves only to
/// loopback addresses (unless `allow_remote`), without connecting: for
/// callers that must refuse a target before anything else happens.
pub fn check_url(url: &str, allow_remote: bool) -> Result<(), LoadError> {
    HttpUrl::parse(url)?.resolve(allow_remote).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let u = HttpUrl::parse("http://127.0.0.1:3000/a?b=1#frag").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("127.0.0.1", 3000, "/a?b=1")
        );
        let u = HttpUrl::parse("http://localhost").unwrap();
        assert_eq!(
            (u.port, u.path.as_str(), u.authority().as_str()),
            (80, "/", "localhost")
        );
        let u = HttpUrl::parse("http://[::1]:8080?x").unwrap();
        assert_eq!((u.host.as_str(), u.path.as_str()), ("[::1]", "/?x"));
        assert!(matches!(
            HttpUrl::parse("https://127.0.0.1/"),
            Err(LoadError::Https { .. })
        ));
        assert!(HttpUrl::parse("ftp://127.0.0.1/").is_err());
        assert!(HttpUrl::parse("http://127.0.0.1:99999/").is_err());
        assert!(HttpUrl::parse("127.0.0.1:3000").is_err());
    }

    #[test]
    fn loopback_only() {
        let u = HttpUrl::parse("http://10.1.2.3:80/").unwrap();
        assert!(matches!(
            u.resolve(false),
            Err(LoadError::NotLoopback { .. })
        ));
        assert!(u.resolve(true).is_ok());
        assert!(HttpUrl::parse("http://127.0.0.2:80/")
            .unwrap()
            .resolve(false)
            .is_ok());
        assert!(HttpUrl::parse("http://[::1]:80/")
            .unwrap()
            .resolve(false)
            .is_ok());
    }

    #[test]
    fn rotation_stays_on_the_target() {
        let t = HttpUrl::parse("http://127.0.0.1:3000/").unwrap();
        let urls = vec!["/a".to_string(), "http://127.0.0.1:3000/b".to_string()];
        assert_eq!(rotation(&t, &urls).unwrap(), vec!["/a", "/b"]);
        assert!(rotation(&t, &["http://127.0.0.1:3001/c".to_string()]).is_err());
    }
}
