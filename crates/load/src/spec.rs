//! [`LoadSpec`]: everything a run needs, constructible in code, plus the
//! validated [`Header`] and [`Method`] newtypes.

use crate::error::LoadError;
use std::time::Duration;

/// What to load and how. Build with [`LoadSpec::new`] and set fields.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    /// The target: `http://host:port/path`; its host and port are the ones
    /// every connection opens.
    pub url: String,
    /// Paths (`/a?b`) or URLs on the same host and port, rotated over the
    /// requests (request k gets `urls[k % len]`). Empty: only `url`.
    pub urls: Vec<String>,
    pub method: Method,
    /// Extra request headers. `Host` and `Content-Length` are added unless given.
    pub headers: Vec<Header>,
    pub body: Vec<u8>,
    /// Concurrent keep-alive connections (`-c`).
    pub connections: usize,
    /// Requests in flight per connection (`-p`); 1 = no pipelining.
    pub pipelining: usize,
    /// Stop after this long (`-d`). With `requests` too, whichever comes first.
    pub duration: Option<Duration>,
    /// Stop after exactly this many requests (`-n`) have completed or failed.
    pub requests: Option<u64>,
    /// Open model: this many requests per second over all connections,
    /// latency measured from each request's intended send time.
    pub rate: Option<f64>,
    /// Per request: a request without a complete response by then is
    /// counted as a timeout and its connection re-opened.
    pub timeout: Duration,
    /// Runtime threads: 1 = a current-thread runtime (the default, best when
    /// the app under test shares a small machine), more = a multi-thread one.
    pub threads: usize,
    /// Allow targets that are not loopback addresses.
    pub allow_remote: bool,
    /// Draw a live progress line on stderr (only when stderr is a terminal).
    pub progress: bool,
}

impl LoadSpec {
    /// 10 connections, no pipelining, 10 seconds, GET, 10 s timeout.
    pub fn new(url: impl Into<String>) -> Self {
        LoadSpec {
            url: url.into(),
            urls: Vec::new(),
            method: Method::get(),
            headers: Vec::new(),
            body: Vec::new(),
            connections: 10,
            pipelining: 1,
            duration: Some(Duration::from_secs(10)),
            requests: None,
            rate: None,
            timeout: Duration::from_secs(10),
            threads: 1,
            allow_remote: false,
            progress: false,
        }
    }

    /// Checks the numbers; the URL is checked when the target is resolved.
    pub(crate) fn validate(&self) -> Result<(), LoadError> {
        let bad = |m: &str| Err(LoadError::Spec(m.to_string()));
        if self.connections == 0 || self.connections > 100_000 {
            return bad("connections must be between 1 and 100000");
        }
        if self.pipelining == 0 || self.pipelining > 1024 {
            return bad("pipelining must be between 1 and 1024");
        }
        if self.duration.is_none() && self.requests.is_none() {
            return bad("give a duration or a number of requests");
        }
        if self.duration.is_some_and(|d| d.is_zero()) {
            return bad("the duration must be positive");
        }
        if self.requests == Some(0) {
            return bad("the number of requests must be positive");
        }
        if let Some(rate) = self.rate {
            if !(rate.is_finite() && rate > 0.0 && rate <= 1e8) {
                return bad("the rate must be a positive number of requests per second");
            }
        }
        if self.timeout.is_zero() {
            return bad("the timeout must be positive");
        }
        if self.threads == 0 || self.threads > 64 {
            return bad("threads must be between 1 and 64");
        }
        Ok(())
    }
}

/// A request header, validated: a token name and a value without CR or LF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    name: String,
    value: String,
}

impl Header {
    pub fn new(name: &str, value: &str) -> Result<Self, LoadError> {
        let bad = |reason: &str| LoadError::BadHeader {
            header: format!("{name}: {value}"),
            reason: reason.to_string(),
        };
        if !is_token(name) {
            return Err(bad(
                "the name must be a non-empty token (letters, digits, -, _ ...)",
            ));
        }
        if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(bad("the value must not contain CR, LF or NUL"));
        }
        Ok(Header {
            name: name.to_string(),
            value: value.trim().to_string(),
        })
    }

    /// Parses `Name: value`, as given to `-H`.
    pub fn parse(text: &str) -> Result<Self, LoadError> {
        match text.split_once(':') {
            Some((name, value)) => Header::new(name.trim_end(), value),
            None => Err(LoadError::BadHeader {
                header: text.to_string(),
                reason: "no ':' between name and value".into(),
            }),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn value(&self) -> &str {
        &self.value
    }
}

impl std::fmt::Display for Header {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name, self.value)
    }
}

/// An HTTP method: any token, upper-cased (`GET`, `POST`, `PURGE` ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method(String);

impl Method {
    pub fn get() -> Self {
        Method("GET".into())
    }

    pub fn parse(text: &str) -> Result<Self, LoadError> {
        if is_token(text) {
            Ok(Method(text.to_ascii_uppercase()))
        } else {
            Err(LoadError::BadMethod {
                method: text.to_string(),
                reason: "a method is a non-empty token such as GET or POST".into(),
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A HEAD response has no body whatever its headers say.
    pub(crate) fn is_head(&self) -> bool {
        self.0 == "HEAD"
    }
}

/// RFC 9110 token characters.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let h = Header::parse("X-Trace:  abc ").unwrap();
        assert_eq!((h.name(), h.value()), ("X-Trace", "abc"));
        assert!(Header::parse("no colon").is_err());
        assert!(Header::parse(": empty name").is_err());
        assert!(Header::parse("bad name: v").is_err());
        assert!(Header::new("X", "a\r\nInjected: 1").is_err());
    }

    #[test]
    fn methods_and_validation() {
        assert_eq!(Method::parse("post").unwrap().as_str(), "POST");
        assert!(Method::parse("GE T").is_err());
        let mut spec = LoadSpec::new("http://127.0.0.1:1/");
        assert!(spec.validate().is_ok());
        spec.pipelining = 0;
        assert!(spec.validate().is_err());
        spec.pipelining = 1;
        spec.rate = Some(0.0);
        assert!(spec.validate().is_err());
    }
}
