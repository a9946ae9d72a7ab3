//! The bytes on the wire: one pre-built request per rotated path, so the hot
//! path only copies bytes into a connection's write buffer.

use crate::spec::LoadSpec;

/// Pre-serialised requests; request number k is `wire[k % len]`.
#[derive(Debug)]
pub(crate) struct Requests {
    wire: Vec<Box<[u8]>>,
}

impl Requests {
    pub fn build(spec: &LoadSpec, authority: &str, paths: &[String]) -> Self {
        let wire = paths
            .iter()
            .map(|path| one(spec, authority, path).into_boxed_slice())
            .collect();
        Requests { wire }
    }

    /// Appends request number `k` to `buf`.
    #[inline]
    pub fn append(&self, k: u64, buf: &mut Vec<u8>) {
        let n = self.wire.len() as u64;
        let i = if n == 1 { 0 } else { (k % n) as usize };
        buf.extend_from_slice(&self.wire[i]);
    }

    /// The longest request, to size write buffers.
    pub fn max_len(&self) -> usize {
        self.wire.iter().map(|w| w.len()).max().unwrap_or(0)
    }
}

fn one(spec: &LoadSpec, authority: &str, path: &str) -> Vec<u8> {
    let has = |name: &str| {
        spec.headers
            .iter()
            .any(|h| h.name().eq_ignore_ascii_case(name))
    };
    let mut head = format!("{} {} HTTP/1.1\r\n", spec.method.as_str(), path);
    if !has("host") {
        head.push_str(&format!("Host: {authority}\r\n"));
    }
    for h in &spec.headers {
        head.push_str(&format!("{h}\r\n"));
    }
    let wants_length =
        !spec.body.is_empty() || matches!(spec.method.as_str(), "POST" | "PUT" | "PATCH");
    if wants_length && !has("content-length") && !has("transfer-encoding") {
        head.push_str(&format!("Content-Length: {}\r\n", spec.body.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&spec.body);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Header, Method};

    #[test]
    fn builds_and_rotates() {
        let mut spec = LoadSpec::new("http://127.0.0.1:3000/");
        spec.method = Method::parse("post").unwrap();
        spec.headers.push(Header::parse("X-A: 1").unwrap());
        spec.body = b"hi".to_vec();
        let r = Requests::build(&spec, "127.0.0.1:3000", &["/a".into(), "/b".into()]);
        let mut buf = Vec::new();
        r.append(3, &mut buf);
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "POST /b HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nhi"
        );
    }
}
