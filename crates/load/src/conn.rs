//! One connection's life: connect, keep up to `pipelining` requests in
//! flight (written in one batch, answered in order), parse responses as the
//! bytes arrive, and on a reset, garbage, timeout or `Connection: close`
//! count what was lost and connect again. Buffers are allocated once per
//! connection task and reused; nothing is stored per request beyond the
//! in-flight queue.

use crate::error::ErrorKind;
use crate::recorder::{Completion, Micros, Recorder};
use crate::request::Requests;
use crate::response::{Parser, MAX_HEAD};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MIN_BACKOFF: Duration = Duration::from_millis(10);
const MAX_BACKOFF: Duration = Duration::from_millis(500);
/// Compact the read buffer when less than this is free at its end.
const MIN_READ_ROOM: usize = 8 * 1024;

/// What every connection shares.
pub(crate) struct Shared {
    pub addr: SocketAddr,
    pub requests: Requests,
    pub pipelining: usize,
    pub timeout: Duration,
    pub head_method: bool,
    /// `-n`: tickets 0..budget; None = unbounded.
    pub budget: Option<u64>,
    /// Open model: request k is due at `start + k * interval`.
    pub schedule: Option<Schedule>,
    pub next_ticket: AtomicU64,
    pub recorder: Mutex<Recorder>,
    /// Set by the clock when the run is over.
    pub done: AtomicBool,
    /// Connection tasks still running.
    pub live: AtomicUsize,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Schedule {
    pub start: Instant,
    pub interval_ns: f64,
}

/// The right to send request number `k`, due at `due` in the open model.
#[derive(Debug, Clone, Copy)]
struct Ticket {
    k: u64,
    due: Option<Instant>,
}

#[derive(Debug, Clone, Copy)]
struct InFlight {
    ticket: Ticket,
    sent: Instant,
}

impl Shared {
    fn take(&self) -> Option<Ticket> {
        if self.done.load(Ordering::Relaxed) {
            return None;
        }
        let k = self.next_ticket.fetch_add(1, Ordering::Relaxed);
        if self.budget.is_some_and(|n| k >= n) {
            return None;
        }
        let due = self
            .schedule
            .map(|s| s.start + Duration::from_nanos((k as f64 * s.interval_ns) as u64));
        Some(Ticket { k, due })
    }

    fn record(&self) -> std::sync::MutexGuard<'_, Recorder> {
        self.recorder.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn error(&self, kind: ErrorKind, n: u64) {
        self.record().errors(Instant::now(), kind, n);
    }
}

/// Why a connection ended.
enum Ended {
    /// Nothing more to send and nothing in flight.
    Finished,
    /// Connect again (errors already counted).
    Reconnect,
}

/// A connection task: runs until the budget is spent (or the runtime is dropped).
pub(crate) async fn drive(shared: Arc<Shared>) {
    let mut conn = Conn::new(shared.clone());
    let mut backoff = MIN_BACKOFF;
    while !shared.done.load(Ordering::Relaxed) && !conn.exhausted() {
        let connect = tokio::time::timeout(shared.timeout, TcpStream::connect(shared.addr));
        let stream = match connect.await {
            Ok(Ok(stream)) => stream,
            _ => {
                conn.connect_failed();
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        backoff = MIN_BACKOFF;
        let _ = stream.set_nodelay(true);
        if let Ended::Finished = conn.session(stream).await {
            break;
        }
    }
    shared.live.fetch_sub(1, Ordering::SeqCst);
}

struct Conn {
    shared: Arc<Shared>,
    parser: Parser,
    inflight: VecDeque<InFlight>,
    /// Tickets to send before taking new ones (left over after `Connection: close`).
    retry: VecDeque<Ticket>,
    /// Open model: taken but not yet due.
    pending: Option<Ticket>,
    /// No more tickets to take.
    no_tickets: bool,
    wbuf: Vec<u8>,
    /// Requests in `wbuf`.
    unsent: u64,
    rbuf: Box<[u8]>,
    start: usize,
    end: usize,
    done: Vec<Completion>,
}

impl Conn {
    fn new(shared: Arc<Shared>) -> Self {
        let p = shared.pipelining;
        Conn {
            parser: Parser::new(shared.head_method),
            inflight: VecDeque::with_capacity(p),
            retry: VecDeque::new(),
            pending: None,
            no_tickets: false,
            wbuf: Vec::with_capacity(p * shared.requests.max_len()),
            unsent: 0,
            rbuf: vec![0; MAX_HEAD].into_boxed_slice(),
            start: 0,
            end: 0,
            done: Vec::with_capacity(p),
            shared,
        }
    }

    fn exhausted(&self) -> bool {
        self.no_tickets && self.retry.is_empty() && self.pending.is_none()
    }

    fn next_ticket(&mut self) -> Option<Ticket> {
        if let Some(t) = self.pending.take().or_else(|| self.retry.pop_front()) {
            return Some(t);
        }
        if self.no_tickets {
            return None;
        }
        let t = self.shared.take();
        self.no_tickets = t.is_none();
        t
    }

    /// A failed connect: in a counted or scheduled run it uses up a ticket,
    /// so such runs end even when the server is gone.
    fn connect_failed(&mut self) {
        let counted = self.shared.budget.is_some() || self.shared.schedule.is_some();
        if counted && self.next_ticket().is_none() {
            return;
        }
        self.shared.error(ErrorKind::Connect, 1);
    }

    /// Appends every request that may go now; returns when the next one is due.
    fn fill(&mut self, now: Instant) -> Option<Instant> {
        while self.inflight.len() < self.shared.pipelining {
            let ticket = self.next_ticket()?;
            if let Some(due) = ticket.due.filter(|&due| due > now) {
                self.pending = Some(ticket);
                return Some(due);
            }
            self.shared.requests.append(ticket.k, &mut self.wbuf);
            self.unsent += 1;
            self.inflight.push_back(InFlight { ticket, sent: now });
        }
        None
    }

    /// Serves one connection until it must be re-opened or the work is done.
    async fn session(&mut self, mut stream: TcpStream) -> Ended {
        self.parser.reset();
        self.start = 0;
        self.end = 0;
        let far = tokio::time::Instant::now() + Duration::from_secs(86_400 * 365);
        let mut timer = pin!(tokio::time::sleep_until(far));
        let mut armed = far.into_std();
        loop {
            let now = Instant::now();
            let due = self.fill(now);
            if !self.wbuf.is_empty() && !self.write(&mut stream).await {
                return self.lose(ErrorKind::Reset);
            }
            if self.inflight.is_empty() && due.is_none() {
                return if self.exhausted() {
                    Ended::Finished
                } else {
                    Ended::Reconnect
                };
            }
            let deadline = self.deadline(due);
            if deadline < armed || timer.is_elapsed() {
                timer.as_mut().reset(deadline.into());
                armed = deadline;
            }
            if self.end == self.rbuf.len() || self.rbuf.len() - self.end < MIN_READ_ROOM {
                self.compact();
            }
            tokio::select! {
                biased;
                read = stream.read(&mut self.rbuf[self.end..]) => {
                    if let Some(ended) = self.on_read(read) {
                        return ended;
                    }
                }
                _ = &mut timer => {
                    armed = far.into_std();
                    let now = Instant::now();
                    if self.inflight.front().is_some_and(|f| f.sent + self.shared.timeout <= now) {
                        return self.lose(ErrorKind::Timeout);
                    }
                }
            }
        }
    }

    /// The earliest of: the next request's due time, the oldest request's timeout.
    fn deadline(&self, due: Option<Instant>) -> Instant {
        let timeout = self.inflight.front().map(|f| f.sent + self.shared.timeout);
        match (due, timeout) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => Instant::now() + self.shared.timeout,
        }
    }

    /// Writes the batch: one non-blocking attempt, then a bounded wait.
    async fn write(&mut self, stream: &mut TcpStream) -> bool {
        let written = match stream.try_write(&self.wbuf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => 0,
            Err(_) => return false,
        };
        if written < self.wbuf.len() {
            let rest = stream.write_all(&self.wbuf[written..]);
            if !matches!(
                tokio::time::timeout(self.shared.timeout, rest).await,
                Ok(Ok(()))
            ) {
                return false;
            }
        }
        self.wbuf.clear();
        self.shared.record().sent(Instant::now(), self.unsent);
        self.unsent = 0;
        true
    }

    fn compact(&mut self) {
        self.rbuf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
    }

    /// Handles a read; `Some` when the connection is over.
    fn on_read(&mut self, read: std::io::Result<usize>) -> Option<Ended> {
        match read {
            Ok(0) => Some(self.on_eof()),
            Ok(n) => {
                self.end += n;
                self.parse(Instant::now())
            }
            Err(_) => Some(self.lose(ErrorKind::Reset)),
        }
    }

    /// Parses every complete response in the buffer and records them.
    fn parse(&mut self, now: Instant) -> Option<Ended> {
        let mut outcome = None;
        let mut close = false;
        while self.start < self.end {
            match self.parser.advance(&self.rbuf[self.start..self.end]) {
                Err(_) => {
                    outcome = Some(ErrorKind::Parse);
                    break;
                }
                Ok((used, done)) => {
                    self.start += used;
                    if let Some(response) = done {
                        let Some(f) = self.inflight.pop_front() else {
                            outcome = Some(ErrorKind::Parse);
                            break;
                        };
                        self.done.push(Completion {
                            latency: Micros::between(f.ticket.due.unwrap_or(f.sent), now),
                            status: response.status,
                            bytes: response.bytes,
                        });
                        if response.close {
                            close = true;
                            break;
                        }
                    } else if used == 0 {
                        break;
                    }
                }
            }
        }
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        self.flush_done(now);
        match outcome {
            Some(kind) => Some(self.lose(kind)),
            None if close => Some(self.requeue()),
            None => None,
        }
    }

    fn flush_done(&mut self, now: Instant) {
        if !self.done.is_empty() {
            self.shared.record().responses(now, &self.done);
            self.done.clear();
        }
    }

    fn on_eof(&mut self) -> Ended {
        if let Some(response) = self.parser.eof() {
            if let Some(f) = self.inflight.pop_front() {
                let now = Instant::now();
                self.done.push(Completion {
                    latency: Micros::between(f.ticket.due.unwrap_or(f.sent), now),
                    status: response.status,
                    bytes: response.bytes,
                });
                self.flush_done(now);
                return self.requeue();
            }
        }
        if self.inflight.is_empty() && self.parser.idle() {
            return Ended::Reconnect;
        }
        self.lose(ErrorKind::Reset)
    }

    /// The server closed after a response: what it did not answer goes again.
    fn requeue(&mut self) -> Ended {
        for f in self.inflight.drain(..).rev() {
            self.retry.push_front(f.ticket);
        }
        Ended::Reconnect
    }

    /// The connection failed: every request in flight counts as `kind`.
    fn lose(&mut self, kind: ErrorKind) -> Ended {
        let n = (self.inflight.len() as u64).max(u64::from(kind == ErrorKind::Parse));
        self.inflight.clear();
        self.wbuf.clear();
        self.unsent = 0;
        self.shared.error(kind, n);
        Ended::Reconnect
    }
}
