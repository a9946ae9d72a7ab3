//! A streaming HTTP/1.x response parser: heads through `httparse`, bodies by
//! Content-Length, chunked coding or until close, all without buffering the
//! body. It sees bytes as they arrive, so a response may span many reads and
//! one read may hold many pipelined responses.

/// The largest response head or chunk-size line accepted.
pub(crate) const MAX_HEAD: usize = 64 * 1024;
const MAX_LINE: usize = 4096;
const MAX_HEADERS: usize = 64;

/// One complete response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Response {
    pub status: u16,
    /// The server will close the connection after this response.
    pub close: bool,
    /// Bytes on the wire: head, interim responses and body.
    pub bytes: u64,
}

/// The bytes are not a valid HTTP/1.x response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Garbage;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Head,
    Fixed(u64),
    ChunkSize,
    ChunkData(u64),
    ChunkDataEnd,
    Trailers,
    UntilClose,
}

#[derive(Debug)]
pub(crate) struct Parser {
    state: State,
    /// Responses to HEAD have no body.
    head_method: bool,
    current: Response,
}

impl Parser {
    pub fn new(head_method: bool) -> Self {
        Parser {
            state: State::Head,
            head_method,
            current: Response {
                status: 0,
                close: false,
                bytes: 0,
            },
        }
    }

    /// A fresh parser for a new connection.
    pub fn reset(&mut self) {
        *self = Parser::new(self.head_method);
    }

    /// True between responses (no partial response pending).
    pub fn idle(&self) -> bool {
        self.state == State::Head && self.current.bytes == 0
    }

    /// Consumes bytes from `buf`: returns how many, and the response they
    /// completed, if any. `(0, None)` means more bytes are needed.
    pub fn advance(&mut self, buf: &[u8]) -> Result<(usize, Option<Response>), Garbage> {
        let mut used = 0;
        while used < buf.len() || self.body_done() {
            if self.body_done() {
                return Ok((used, Some(self.finish())));
            }
            let n = self.step(&buf[used..])?;
            if n == 0 {
                break;
            }
            used += n;
            self.current.bytes += n as u64;
        }
        if self.body_done() {
            return Ok((used, Some(self.finish())));
        }
        Ok((used, None))
    }

    /// The connection reached end of file: completes a close-delimited body.
    pub fn eof(&mut self) -> Option<Response> {
        (self.state == State::UntilClose).then(|| {
            self.current.close = true;
            self.finish()
        })
    }

    fn body_done(&self) -> bool {
        self.state == State::Fixed(0)
    }

    fn finish(&mut self) -> Response {
        let done = self.current;
        self.state = State::Head;
        self.current.bytes = 0;
        done
    }

    /// One step of the state machine; returns the bytes consumed (0 = need more).
    fn step(&mut self, buf: &[u8]) -> Result<usize, Garbage> {
        match self.state {
            State::Head => self.head(buf),
            State::Fixed(left) => {
                let n = left.min(buf.len() as u64);
                self.state = State::Fixed(left - n);
                Ok(n as usize)
            }
            State::ChunkSize => match httparse::parse_chunk_size(buf) {
                Ok(httparse::Status::Complete((n, size))) => {
                    self.state = if size == 0 {
                        State::Trailers
                    } else {
                        State::ChunkData(size)
                    };
                    Ok(n)
                }
                Ok(httparse::Status::Partial) if buf.len() < MAX_LINE => Ok(0),
                _ => Err(Garbage),
            },
            State::ChunkData(left) => {
                let n = left.min(buf.len() as u64);
                self.state = if n == left {
                    State::ChunkDataEnd
                } else {
                    State::ChunkData(left - n)
                };
                Ok(n as usize)
            }
            State::ChunkDataEnd => match buf {
                [b'\r', b'\n', ..] => {
                    self.state = State::ChunkSize;
                    Ok(2)
                }
                [b'\r'] => Ok(0),
                _ => Err(Garbage),
            },
            State::Trailers => match buf.windows(2).position(|w| w == b"\r\n") {
                Some(0) => {
                    self.state = State::Fixed(0);
                    Ok(2)
                }
                Some(i) => Ok(i + 2),
                None if buf.len() < MAX_LINE => Ok(0),
                None => Err(Garbage),
            },
            State::UntilClose => Ok(buf.len()),
        }
    }

    fn head(&mut self, buf: &[u8]) -> Result<usize, Garbage> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut headers);
        let n = match response.parse(buf) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => return Ok(0),
            _ => return Err(Garbage),
        };
        let status = response.code.ok_or(Garbage)?;
        let framing = Framing::of(&response)?;
        self.current.status = status;
        self.current.close = framing.close;
        self.state = match status {
            101 => return Err(Garbage),
            100..=199 => State::Head,
            204 | 304 => State::Fixed(0),
            _ if self.head_method => State::Fixed(0),
            _ if framing.chunked => State::ChunkSize,
            _ => match framing.length {
                Some(len) => State::Fixed(len),
                None => {
                    self.current.close = true;
                    State::UntilClose
                }
            },
        };
        Ok(n)
    }
}

/// What the headers say about the body and the connection.
struct Framing {
    length: Option<u64>,
    chunked: bool,
    close: bool,
}

impl Framing {
    fn of(response: &httparse::Response) -> Result<Self, Garbage> {
        let mut framing = Framing {
            length: None,
            chunked: false,
            // HTTP/1.0 closes unless it says keep-alive.
            close: response.version == Some(0),
        };
        for h in response.headers.iter() {
            let name = h.name.as_bytes();
            if name.eq_ignore_ascii_case(b"content-length") {
                let len = std::str::from_utf8(h.value)
                    .ok()
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .ok_or(Garbage)?;
                if framing.length.is_some_and(|l| l != len) {
                    return Err(Garbage);
                }
                framing.length = Some(len);
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                let last = h.value.rsplit(|&b| b == b',').next().unwrap_or(b"");
                framing.chunked = last.trim_ascii().eq_ignore_ascii_case(b"chunked");
            } else if name.eq_ignore_ascii_case(b"connection") {
                for token in h.value.split(|&b| b == b',') {
                    let token = token.trim_ascii();
                    if token.eq_ignore_ascii_case(b"close") {
                        framing.close = true;
                    } else if token.eq_ignore_ascii_case(b"keep-alive") {
                        framing.close = false;
                    }
                }
            }
        }
        Ok(framing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `wire` in pieces of `step` bytes; returns the responses.
    fn feed(wire: &[u8], step: usize, head: bool) -> Result<Vec<Response>, Garbage> {
        let mut p = Parser::new(head);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        for piece in wire.chunks(step) {
            buf.extend_from_slice(piece);
            loop {
                let (used, done) = p.advance(&buf)?;
                buf.drain(..used);
                match done {
                    Some(r) => out.push(r),
                    None if used == 0 => break,
                    None => {}
                }
            }
        }
        out.extend(p.eof());
        Ok(out)
    }

    #[test]
    fn lengths_chunks_and_pipelines_in_any_split() {
        let a = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".as_slice();
        let b = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-T: 1\r\n\r\n".as_slice();
        let c = b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".as_slice();
        let wire = [a, b, c].concat();
        for step in [1, 2, 3, 7, 64, wire.len()] {
            let got = feed(&wire, step, false).unwrap();
            let summary: Vec<_> = got.iter().map(|r| (r.status, r.close, r.bytes)).collect();
            assert_eq!(
                summary,
                vec![
                    (200, false, a.len() as u64),
                    (404, false, b.len() as u64),
                    (204, true, c.len() as u64)
                ],
                "step {step}"
            );
        }
    }

    #[test]
    fn close_delimited_head_and_garbage() {
        let wire = b"HTTP/1.0 200 OK\r\n\r\nbody until close";
        let got = feed(wire, 5, false).unwrap();
        assert_eq!(got.len(), 1);
        assert!(got[0].close);
        assert_eq!(got[0].bytes, wire.len() as u64);
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n";
        assert_eq!(feed(head, 4, true).unwrap().len(), 2);
        assert!(feed(b"garbage\r\n\r\n", 3, false).is_err());
        assert!(feed(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", 100, false).is_err());
        let bad_chunk = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
        assert!(feed(bad_chunk, 100, false).is_err());
    }
}
