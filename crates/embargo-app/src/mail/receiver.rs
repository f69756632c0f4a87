//! The built-in SMTP receiver (RFC 5321): owns the listener for inbound report mail, speaks
//! ESMTP with STARTTLS (RFC 3207), SIZE (RFC 1870), 8BITMIME (RFC 6152), PIPELINING
//! (RFC 2920), ENHANCEDSTATUSCODES (RFC 2034/3463) and SMTPUTF8 (RFC 6531), enforces the
//! connection, size and error limits, and hands each message to a [`Sink`] that stores it
//! durably before the client is told 250. It never relays and never parses message content.

use std::fmt::Write as _;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, timeout};
use tracing::{Instrument, debug, info, info_span, warn};

/// How much we read from the socket at a time.
const READ_CHUNK: usize = 16 * 1024;
/// RFC 5321 §4.5.3.1.3: a path is at most 256 octets including the angle brackets.
const MAX_PATH: usize = 254;
/// RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets including code and CRLF.
const MAX_REPLY_TEXT: usize = 400;
/// RFC 1870 §6.1 / §6.3 reply text.
const TOO_BIG: &str = "Message size exceeds fixed maximum message size";

/// The receiver's limits. `Default` gives values suitable for an Internet-facing MX.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest message after dot-unstuffing; advertised as SIZE (RFC 1870).
    pub max_message_bytes: usize,
    /// Recipients per transaction; RFC 5321 §4.5.3.1.8 asks servers to take at least 100.
    pub max_recipients: usize,
    /// Concurrent sessions; beyond it a connection gets 421 and is closed at once.
    pub max_connections: usize,
    /// New connections per client address (IPv6: per /64) per minute; 0 disables the check.
    pub max_per_ip_per_minute: u32,
    /// Wait for each read or write (RFC 5321 §4.5.3.2.7: 5 minutes for the next command).
    pub command_timeout: Duration,
    /// Longest command line including CRLF (RFC 5321 §4.5.3.1.4 says 512; extensions such
    /// as SIZE and SMTPUTF8 paths need more, so 1000 is the usual allowance).
    pub max_line_bytes: usize,
    /// Longest line inside DATA including CRLF. RFC 5322 §2.1.1 says 998 + CRLF, which real
    /// mail breaks, so we allow much more; bytes count towards `max_message_bytes` anyway.
    pub max_data_line_bytes: usize,
    /// Bad commands (syntax, sequence, rejected recipients) before we answer 421 and close.
    pub max_errors: u32,
    /// After shutdown, how long sessions may finish their transaction before being cut off.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message_bytes: 25 * 1024 * 1024,
            max_recipients: 100,
            max_connections: 100,
            max_per_ip_per_minute: 30,
            command_timeout: Duration::from_secs(300),
            max_line_bytes: 1000,
            max_data_line_bytes: 64 * 1024,
            max_errors: 10,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// The envelope of one delivered message (RFC 5321 §2.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub peer: SocketAddr,
    /// The name the client gave in EHLO/HELO (as sent, not verified).
    pub helo: String,
    /// The reverse-path; empty for the null sender `<>` (bounces, RFC 5321 §4.5.5).
    pub mail_from: String,
    /// Accepted recipients, in order, without duplicates.
    pub rcpt_to: Vec<String>,
    /// Whether the message came over TLS (after STARTTLS).
    pub tls: bool,
}

/// An SMTP refusal: reply code (4xx temporary, 5xx permanent), enhanced status code
/// (RFC 3463, e.g. "5.1.1") and a one-line human text (sanitised before it is sent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} {enhanced} {message}")]
pub struct Rejection {
    pub code: u16,
    pub enhanced: &'static str,
    pub message: String,
}

impl Rejection {
    pub fn new(code: u16, enhanced: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            enhanced,
            message: message.into(),
        }
    }

    /// 451 4.3.0: "try again later", for storage failures (RFC 5321 §4.2.5).
    pub fn temporary(message: impl Into<String>) -> Self {
        Self::new(451, "4.3.0", message)
    }

    /// A sink bug must not turn into a success code or a malformed reply, so anything
    /// outside 4xx/5xx becomes 451 and a mismatched enhanced code becomes X.0.0.
    fn normalized(&self) -> (u16, &'static str) {
        let code = match self.code {
            c @ 400..=599 => c,
            _ => 451,
        };
        let class = if code >= 500 { "5." } else { "4." };
        let parts: Vec<&str> = self.enhanced.split('.').collect();
        let valid = |p: &&str| matches!(p.len(), 1..=3) && p.bytes().all(|b| b.is_ascii_digit());
        if parts.len() == 3 && self.enhanced.starts_with(class) && parts.iter().all(valid) {
            return (code, self.enhanced);
        }
        (code, if code >= 500 { "5.0.0" } else { "4.0.0" })
    }
}

/// The answer to RCPT TO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    /// Usually 550 5.1.1 (no such mailbox) or 450 4.2.1 (try later).
    Reject(Rejection),
}

/// The future returned by [`Sink::deliver`].
pub type DeliverFuture<'a> = Pin<Box<dyn Future<Output = Result<String, Rejection>> + Send + 'a>>;

/// What the server does with mail: decides recipients and stores messages.
pub trait Sink: Send + Sync + 'static {
    /// Whether `rcpt` (the forward-path without angle brackets) is one of ours. Called once
    /// per RCPT TO; keep it cheap (an address pattern check).
    fn check_recipient(&self, rcpt: &str) -> Verdict;
    /// Stores the message durably and returns a queue id shown in the 250 reply. Only
    /// return `Ok` once the message is safe: RFC 5321 §6.1 makes the 250 a promise.
    /// `data` is exactly the content the client sent, dot-unstuffed (§4.5.2). No
    /// `Received:` line is added: RFC 5321 §4.4 asks for one, and the sink can write it
    /// from the envelope with the app's clock (this module never reads the clock).
    fn deliver(&self, envelope: Envelope, data: Vec<u8>) -> DeliverFuture<'_>;
}

/// Accepts SMTP connections on `listener` until `shutdown` becomes true (or its sender is
/// dropped), then stops accepting, lets sessions finish their current transaction (idle
/// sessions are told 421) for up to `limits.shutdown_grace`, and returns.
///
/// `tls` enables STARTTLS; without it the receiver speaks plain SMTP only.
pub async fn serve(
    listener: TcpListener,
    hostname: String,
    tls: Option<Arc<rustls::ServerConfig>>,
    limits: Limits,
    sink: Arc<dyn Sink>,
    mut shutdown: watch::Receiver<bool>,
) {
    info!(addr = ?listener.local_addr().ok(), starttls = tls.is_some(), "SMTP receiver listening");
    let slots = Arc::new(Semaphore::new(
        limits.max_connections.min(Semaphore::MAX_PERMITS),
    ));
    let mut rate = RateLimiter::new(limits.max_per_ip_per_minute);
    let grace = limits.shutdown_grace;
    let ctx = Arc::new(Ctx {
        hostname,
        tls: tls.map(tokio_rustls::TlsAcceptor::from),
        limits,
        sink,
    });
    let session_shutdown = shutdown.clone();
    let mut sessions = JoinSet::new();
    let mut conn: u64 = 0;
    loop {
        tokio::select! {
            () = stopped(&mut shutdown) => break,
            Some(Err(e)) = sessions.join_next(), if !sessions.is_empty() => {
                warn!(panic = e.is_panic(), "SMTP session task failed");
            }
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        warn!(error = %e, "SMTP accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // RFC 5321 §3.1: a server that cannot serve may answer 421 instead of 220.
                // No client IPs in logs (as in the HTTP server): the envelope carries the
                // peer to the sink, whose storage applies the retention rules.
                if !rate.allow(peer.ip(), Instant::now()) {
                    debug!("SMTP connection refused: per-address rate limit");
                    refuse(&stream, &ctx.hostname, "4.7.0", "Too many connections, try later");
                    continue;
                }
                let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
                    debug!("SMTP connection refused: too many sessions");
                    refuse(&stream, &ctx.hostname, "4.3.2", "Too busy, try again later");
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let (ctx, rx) = (Arc::clone(&ctx), session_shutdown.clone());
                conn = conn.wrapping_add(1);
                let session = async move {
                    let _permit = permit;
                    handle(stream, peer, ctx, rx).await;
                };
                sessions.spawn(session.instrument(info_span!("smtp", conn)));
            }
        }
    }
    drop(listener);
    info!(sessions = sessions.len(), "SMTP receiver stopping");
    let drain = async { while sessions.join_next().await.is_some() {} };
    if timeout(grace, drain).await.is_err() {
        warn!(
            remaining = sessions.len(),
            "SMTP sessions cut off at the end of the grace period"
        );
        sessions.shutdown().await;
    }
}

/// Resolves when shutdown is signalled or its sender is gone. (Not `wait_for` directly in
/// `select!`: its guard is not `Send`.)
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Answers a connection we will not serve without spawning a task for it: a non-blocking
/// write of one reply, then close. Under a flood nothing here waits.
fn refuse(stream: &TcpStream, hostname: &str, enhanced: &str, text: &str) {
    let _ = stream.try_write(format!("421 {enhanced} {hostname} {text}\r\n").as_bytes());
}

struct Ctx {
    hostname: String,
    tls: Option<tokio_rustls::TlsAcceptor>,
    limits: Limits,
    sink: Arc<dyn Sink>,
}

/// Runs one connection: the plaintext session and, after STARTTLS, the TLS session.
async fn handle(
    stream: TcpStream,
    peer: SocketAddr,
    ctx: Arc<Ctx>,
    mut shutdown: watch::Receiver<bool>,
) {
    debug!("SMTP connection opened");
    let mut session = Session::new(&ctx, peer);
    let mut io = Io::new(stream, ctx.limits.command_timeout);
    // RFC 5321 §4.2 / §4.3.1: the greeting names this host. No enhanced code here
    // (RFC 2034 §3: it applies only once the client has seen EHLO).
    io.reply(220, None, &format!("{} ESMTP", ctx.hostname));
    match session.run(&mut io, &mut shutdown).await {
        Next::Close => return io.close().await,
        Next::Abort | Next::Continue => return,
        Next::StartTls => {}
    }
    let Some(acceptor) = ctx.tls.clone() else {
        return;
    };
    // RFC 3207 §4.2 / CVE-2011-0411: anything the client sent after STARTTLS in the same
    // plaintext flight was not protected by TLS; it is discarded with the buffer, never
    // executed as if it had arrived inside the TLS session.
    if !io.inbuf.is_empty() {
        warn!(
            bytes = io.inbuf.len(),
            "discarding input pipelined after STARTTLS"
        );
    }
    if io.flush().await.is_err() {
        return;
    }
    let Io { stream, .. } = io;
    let Ok(Ok(tls)) = timeout(ctx.limits.command_timeout, acceptor.accept(stream)).await else {
        info!("STARTTLS handshake failed or timed out");
        return;
    };
    session.start_tls();
    let mut io = Io::new(tls, ctx.limits.command_timeout);
    match session.run(&mut io, &mut shutdown).await {
        Next::Abort => {}
        _ => io.close().await,
    }
}

#[derive(Debug, thiserror::Error)]
enum SessionError {
    #[error("connection closed by the client")]
    Closed,
    #[error("timed out waiting for the client")]
    Timeout,
    #[error("server is shutting down")]
    Shutdown,
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// What a session runs on: a TCP stream, or TLS over one.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// The connection: socket, unread input, and replies not yet sent. Replies are collected
/// and sent when we are about to wait for input, which is what RFC 2920 §3.2 asks of a
/// pipelining server, and costs one write per batch instead of one per reply.
struct Io<S> {
    stream: S,
    inbuf: Vec<u8>,
    out: Vec<u8>,
    timeout: Duration,
}

impl<S: Stream> Io<S> {
    fn new(stream: S, timeout: Duration) -> Self {
        Self {
            stream,
            inbuf: Vec::with_capacity(READ_CHUNK),
            out: Vec::new(),
            timeout,
        }
    }

    fn reply(&mut self, code: u16, enhanced: Option<&str>, text: &str) {
        self.reply_lines(code, enhanced, &[text]);
    }

    /// A one-line reply after which the session goes on.
    fn ok(&mut self, code: u16, enhanced: &str, text: &str) -> Next {
        self.reply(code, Some(enhanced), text);
        Next::Continue
    }

    /// RFC 5321 §4.2.1: every line but the last has a hyphen after the code.
    fn reply_lines(&mut self, code: u16, enhanced: Option<&str>, lines: &[&str]) {
        let last = lines.len().saturating_sub(1);
        let mut s = String::new();
        for (i, line) in lines.iter().enumerate() {
            let sep = if i == last { ' ' } else { '-' };
            let text = clean(line, MAX_REPLY_TEXT);
            let _ = match enhanced {
                Some(e) => write!(s, "{code}{sep}{e} {text}\r\n"),
                None => write!(s, "{code}{sep}{text}\r\n"),
            };
        }
        self.out.extend_from_slice(s.as_bytes());
    }

    fn reply_rejection(&mut self, r: &Rejection) {
        let (code, enhanced) = r.normalized();
        self.reply(code, Some(enhanced), &r.message);
    }

    async fn flush(&mut self) -> Result<(), SessionError> {
        if self.out.is_empty() {
            return Ok(());
        }
        let out = std::mem::take(&mut self.out);
        timeout(self.timeout, async {
            self.stream.write_all(&out).await?;
            self.stream.flush().await
        })
        .await
        .map_err(|_| SessionError::Timeout)??;
        Ok(())
    }

    /// Sends pending replies, then reads more input. With `shutdown`, an idle wait ends
    /// when the server stops.
    async fn fill(
        &mut self,
        shutdown: Option<&mut watch::Receiver<bool>>,
    ) -> Result<(), SessionError> {
        self.flush().await?;
        self.inbuf.reserve(READ_CHUNK);
        let read = timeout(self.timeout, self.stream.read_buf(&mut self.inbuf));
        let n = match shutdown {
            Some(rx) => tokio::select! {
                r = read => r,
                () = stopped(rx) => return Err(SessionError::Shutdown),
            },
            None => read.await,
        }
        .map_err(|_| SessionError::Timeout)??;
        if n == 0 {
            Err(SessionError::Closed)
        } else {
            Ok(())
        }
    }

    /// One command line without its line end, or `None` if it was longer than `max`
    /// (§4.5.3.1.4; it is read to its end and discarded). §2.3.8 says lines end in CRLF;
    /// a bare LF is tolerated in commands (hand-typed sessions send it, and unlike in DATA
    /// it cannot smuggle anything).
    async fn read_line(
        &mut self,
        max: usize,
        mut shutdown: Option<&mut watch::Receiver<bool>>,
    ) -> Result<Option<Vec<u8>>, SessionError> {
        let mut discarding = false;
        loop {
            if let Some(pos) = self.inbuf.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.inbuf.drain(..=pos).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                let too_long = discarding || line.len().saturating_add(2) > max;
                return Ok((!too_long).then_some(line));
            }
            if self.inbuf.len() >= max {
                discarding = true;
                self.inbuf.clear();
            }
            self.fill(shutdown.as_deref_mut()).await?;
        }
    }

    /// Reads DATA content up to and including the end-of-data line.
    async fn read_data(&mut self, data: &mut DataReader) -> Result<(), SessionError> {
        loop {
            if let Some(used) = data.feed(&self.inbuf) {
                // Whatever follows is the next pipelined command (RFC 2920 §3.1).
                self.inbuf.drain(..used);
                return Ok(());
            }
            self.inbuf.clear();
            self.fill(None).await?;
        }
    }

    /// Sends pending replies and closes: TLS close_notify and TCP FIN, then a short wait
    /// for the client's side so that unread input does not turn our last reply into a RST.
    async fn close(mut self) {
        let t = Duration::from_secs(2).min(self.timeout);
        self.timeout = t;
        if self.flush().await.is_err() {
            return;
        }
        let _ = timeout(t, self.stream.shutdown()).await;
        let mut sink = [0u8; 1024];
        let _ = timeout(t, async {
            while let Ok(n) = self.stream.read(&mut sink).await {
                if n == 0 {
                    break;
                }
            }
        })
        .await;
        debug!("SMTP connection closed");
    }
}

/// What the session loop does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    Continue,
    /// Send pending replies and close.
    Close,
    /// The connection is unusable; drop it.
    Abort,
    /// 220 for STARTTLS is queued; hand the socket to TLS.
    StartTls,
}

/// A mail transaction (RFC 5321 §3.3): MAIL, RCPT..., DATA.
struct Transaction {
    from: String,
    rcpts: Vec<String>,
    utf8: bool,
}

struct Session<'a> {
    ctx: &'a Ctx,
    peer: SocketAddr,
    tls: bool,
    /// The EHLO/HELO name; `None` until the client has sent one.
    helo: Option<String>,
    tx: Option<Transaction>,
    /// Kept across STARTTLS so the handshake does not reset the budget.
    errors: u32,
}

impl<'a> Session<'a> {
    fn new(ctx: &'a Ctx, peer: SocketAddr) -> Self {
        Self {
            ctx,
            peer,
            tls: false,
            helo: None,
            tx: None,
            errors: 0,
        }
    }

    /// RFC 3207 §4.2: after the handshake the server MUST discard any knowledge obtained
    /// from the client (EHLO argument, transaction); the client must send EHLO again.
    fn start_tls(&mut self) {
        self.tls = true;
        self.helo = None;
        self.tx = None;
    }

    async fn run(
        &mut self,
        io: &mut Io<impl Stream>,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Next {
        let ctx = self.ctx;
        let host = &ctx.hostname;
        loop {
            // Shutting down: a transaction in progress may finish; otherwise 421, which
            // RFC 5321 §3.8 provides for a server that must shut the service down.
            let stopping = *shutdown.borrow() || shutdown.has_changed().is_err();
            if stopping && self.tx.is_none() {
                io.reply(421, Some("4.3.2"), &format!("{host} Service shutting down"));
                return Next::Close;
            }
            let idle = self.tx.is_none().then_some(&mut *shutdown);
            let result = match io.read_line(ctx.limits.max_line_bytes, idle).await {
                Ok(Some(line)) => self.command(io, &line).await,
                Ok(None) => Ok(self.error(io, 500, "5.5.2", "Line too long")),
                Err(e) => Err(e),
            };
            match result {
                Ok(Next::Continue) => {}
                Ok(next) => return next,
                Err(SessionError::Timeout) => {
                    info!("SMTP idle timeout");
                    io.reply(421, Some("4.4.2"), &format!("{host} Timeout, closing"));
                    return Next::Close;
                }
                Err(SessionError::Shutdown) => {
                    io.reply(421, Some("4.3.2"), &format!("{host} Service shutting down"));
                    return Next::Close;
                }
                Err(e) => {
                    debug!(error = %e, "SMTP session ended");
                    return Next::Abort;
                }
            }
        }
    }

    /// A bad command: counts towards `max_errors`, and the last one allowed closes the
    /// connection with 421 instead of its own reply.
    fn error(&mut self, io: &mut Io<impl Stream>, code: u16, enh: &str, text: &str) -> Next {
        self.errors = self.errors.saturating_add(1);
        if self.errors >= self.ctx.limits.max_errors {
            info!(errors = self.errors, "SMTP error limit reached");
            let text = format!("{} Too many errors, closing", self.ctx.hostname);
            io.reply(421, Some("4.7.0"), &text);
            Next::Close
        } else {
            io.ok(code, enh, text)
        }
    }

    async fn command(
        &mut self,
        io: &mut Io<impl Stream>,
        line: &[u8],
    ) -> Result<Next, SessionError> {
        // SMTPUTF8 (RFC 6531) allows UTF-8 in paths; anything else is not SMTP. Control
        // characters (a bare CR included) have no place in a command line.
        let Ok(line) = std::str::from_utf8(line) else {
            return Ok(self.error(io, 500, "5.5.2", "Command is not valid UTF-8"));
        };
        if line.chars().any(|c| c.is_control() && c != '\t') {
            return Ok(self.error(io, 500, "5.5.2", "Control characters in command"));
        }
        let (verb, args) = line.split_once(' ').unwrap_or((line, ""));
        let args = args.trim();
        let verb = verb.to_ascii_uppercase();
        debug!(verb = %clean(&verb, 16), "SMTP command");
        let limits = &self.ctx.limits;
        Ok(match verb.as_str() {
            "EHLO" | "HELO" => {
                let Some(name) = args.split_whitespace().next().filter(|n| n.len() <= 255) else {
                    return Ok(self.error(io, 501, "5.5.4", "Syntax: EHLO domain"));
                };
                // §4.1.4: EHLO/HELO also resets any transaction, like RSET.
                self.tx = None;
                self.helo = Some(name.to_string());
                let first = format!("{} Hello", self.ctx.hostname);
                if verb == "EHLO" {
                    let size = format!("SIZE {}", limits.max_message_bytes);
                    let mut lines = vec![first.as_str(), size.as_str(), "8BITMIME", "PIPELINING"];
                    lines.extend(["ENHANCEDSTATUSCODES", "SMTPUTF8"]);
                    // RFC 3207 §4.2: not offered again once TLS is active.
                    if self.ctx.tls.is_some() && !self.tls {
                        lines.push("STARTTLS");
                    }
                    io.reply_lines(250, None, &lines);
                } else {
                    io.reply(250, None, &first);
                }
                Next::Continue
            }
            "STARTTLS" => {
                if !args.is_empty() {
                    self.error(io, 501, "5.5.4", "Syntax: STARTTLS")
                } else if self.tls {
                    self.error(io, 503, "5.5.1", "TLS already active")
                } else if self.ctx.tls.is_none() {
                    self.error(io, 502, "5.5.1", "STARTTLS not available")
                } else {
                    io.reply(220, Some("2.0.0"), "Ready to start TLS");
                    Next::StartTls
                }
            }
            "MAIL" => self.mail(io, args),
            "RCPT" => self.rcpt(io, args),
            "DATA" => return self.data(io, args).await,
            "RSET" => {
                self.tx = None;
                io.ok(250, "2.0.0", "Ok")
            }
            // §4.1.1.9: NOOP may carry a string, which is ignored.
            "NOOP" => io.ok(250, "2.0.0", "Ok"),
            "QUIT" => {
                io.reply(221, Some("2.0.0"), &format!("{} Bye", self.ctx.hostname));
                Next::Close
            }
            // §3.5.3 and §7.3: 252 confirms nothing, so addresses cannot be harvested.
            "VRFY" => io.ok(252, "2.5.0", "Cannot VRFY user, but will accept message"),
            "EXPN" => io.ok(502, "5.5.1", "EXPN not available"),
            "HELP" => io.ok(214, "2.0.0", "See RFC 5321; STARTTLS per RFC 3207"),
            // An HTTP request sent to the SMTP port is a cross-protocol attempt (a browser
            // or a proxy being abused); answer nothing useful and hang up.
            "GET" | "POST" | "HEAD" | "PUT" | "CONNECT" | "OPTIONS" => {
                info!("SMTP client sent an HTTP request");
                io.reply(421, Some("4.7.0"), "This is not an HTTP server");
                Next::Close
            }
            _ => self.error(io, 500, "5.5.1", "Command unrecognized"),
        })
    }

    /// MAIL FROM:<reverse-path> [SIZE=n] [BODY=7BIT|8BITMIME] [SMTPUTF8] (§4.1.1.2).
    fn mail(&mut self, io: &mut Io<impl Stream>, args: &str) -> Next {
        if self.helo.is_none() {
            return self.error(io, 503, "5.5.1", "Send EHLO first");
        }
        if self.tx.is_some() {
            return self.error(io, 503, "5.5.1", "Nested MAIL command");
        }
        let Some(rest) = strip_prefix_ci(args, "FROM:") else {
            return self.error(io, 501, "5.5.4", "Syntax: MAIL FROM:<address>");
        };
        let Some((from, params)) = parse_path(rest) else {
            return self.error(io, 501, "5.1.7", "Bad sender address syntax");
        };
        if !from.is_empty() && !valid_mailbox(&from) {
            return self.error(io, 501, "5.1.7", "Bad sender address syntax");
        }
        let mut utf8 = false;
        for param in params.split_ascii_whitespace() {
            let (key, value) = param.split_once('=').unwrap_or((param, ""));
            match key.to_ascii_uppercase().as_str() {
                // RFC 1870 §6.1: refuse up front what we would refuse after DATA.
                "SIZE" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                    let declared = value.parse::<u64>().unwrap_or(u64::MAX);
                    if declared > limits_u64(self.ctx.limits.max_message_bytes) {
                        return io.ok(552, "5.3.4", TOO_BIG);
                    }
                }
                // RFC 6152: we take 8-bit content as is.
                "BODY" if value.eq_ignore_ascii_case("7BIT") => {}
                "BODY" if value.eq_ignore_ascii_case("8BITMIME") => {}
                "SMTPUTF8" if value.is_empty() => utf8 = true,
                "SIZE" | "BODY" | "SMTPUTF8" => {
                    return self.error(io, 501, "5.5.4", "Bad parameter value");
                }
                // §4.1.1.11: parameters we did not advertise.
                _ => return self.error(io, 555, "5.5.4", "Unsupported MAIL parameter"),
            }
        }
        // RFC 6531 §3.4: a non-ASCII address needs the SMTPUTF8 parameter.
        if !from.is_ascii() && !utf8 {
            return self.error(io, 553, "5.6.7", "Non-ASCII address needs SMTPUTF8");
        }
        let rcpts = Vec::new();
        self.tx = Some(Transaction { from, rcpts, utf8 });
        io.ok(250, "2.1.0", "Sender OK")
    }

    /// RCPT TO:<forward-path> (§4.1.1.3).
    fn rcpt(&mut self, io: &mut Io<impl Stream>, args: &str) -> Next {
        let Some((utf8, count)) = self.tx.as_ref().map(|t| (t.utf8, t.rcpts.len())) else {
            return self.error(io, 503, "5.5.1", "Send MAIL first");
        };
        let Some(rest) = strip_prefix_ci(args, "TO:") else {
            return self.error(io, 501, "5.5.4", "Syntax: RCPT TO:<address>");
        };
        let Some((rcpt, params)) = parse_path(rest) else {
            return self.error(io, 501, "5.1.3", "Bad recipient address syntax");
        };
        // §4.5.1: <Postmaster> without a domain must be accepted.
        if !valid_mailbox(&rcpt) && !rcpt.eq_ignore_ascii_case("postmaster") {
            return self.error(io, 501, "5.1.3", "Bad recipient address syntax");
        }
        if !params.trim().is_empty() {
            return self.error(io, 555, "5.5.4", "Unsupported RCPT parameter");
        }
        if !rcpt.is_ascii() && !utf8 {
            return self.error(io, 553, "5.6.7", "Non-ASCII address needs SMTPUTF8");
        }
        if self.tx.as_ref().is_some_and(|t| t.rcpts.contains(&rcpt)) {
            return io.ok(250, "2.1.5", "Recipient OK");
        }
        // §4.5.3.1.10: 452 tells the client to send the rest in another transaction.
        if count >= self.ctx.limits.max_recipients {
            return io.ok(452, "4.5.3", "Too many recipients");
        }
        match self.ctx.sink.check_recipient(&rcpt) {
            Verdict::Accept => {
                if let Some(tx) = &mut self.tx {
                    tx.rcpts.push(rcpt);
                }
                io.ok(250, "2.1.5", "Recipient OK")
            }
            // Rejected recipients count as errors: it slows down address harvesting.
            Verdict::Reject(r) => {
                let (code, enhanced) = r.normalized();
                self.error(io, code, enhanced, &r.message)
            }
        }
    }

    /// DATA (§4.1.1.4): 354, the content up to CRLF.CRLF, then one final reply.
    async fn data(&mut self, io: &mut Io<impl Stream>, args: &str) -> Result<Next, SessionError> {
        if !args.is_empty() {
            return Ok(self.error(io, 501, "5.5.4", "Syntax: DATA"));
        }
        match &self.tx {
            None => return Ok(self.error(io, 503, "5.5.1", "Send MAIL first")),
            // §3.3: no valid recipients may be answered with 554.
            Some(tx) if tx.rcpts.is_empty() => {
                return Ok(self.error(io, 554, "5.5.1", "No valid recipients"));
            }
            Some(_) => {}
        }
        io.reply(354, None, "End data with <CR><LF>.<CR><LF>");
        let limits = &self.ctx.limits;
        let mut reader = DataReader::new(limits.max_message_bytes, limits.max_data_line_bytes);
        io.read_data(&mut reader).await?;
        // §4.1.1.4: the end of data ends the transaction, whatever the outcome.
        let Some(tx) = self.tx.take() else {
            return Ok(Next::Continue);
        };
        if reader.oversize() {
            // RFC 1870 §6.3: the whole message was read, so the session goes on.
            info!(size = reader.size, "SMTP message over the size limit");
            return Ok(io.ok(552, "5.3.4", TOO_BIG));
        }
        if reader.long_line {
            info!("SMTP message with an over-long line");
            let text = format!("Line longer than {} octets", limits.max_data_line_bytes);
            return Ok(io.ok(554, "5.6.0", &text));
        }
        let envelope = Envelope {
            peer: self.peer,
            helo: self.helo.clone().unwrap_or_default(),
            mail_from: tx.from,
            rcpt_to: tx.rcpts,
            tls: self.tls,
        };
        let (size, recipients) = (reader.size, envelope.rcpt_to.len());
        match self.ctx.sink.deliver(envelope, reader.data).await {
            Ok(id) => {
                let queue_id = clean(&id, 64);
                info!(%queue_id, size, recipients, tls = self.tls, "SMTP message accepted");
                io.reply(250, Some("2.0.0"), &format!("Ok: queued as {id}"));
            }
            Err(r) => {
                warn!(
                    code = r.code,
                    enhanced = r.enhanced,
                    "SMTP sink refused a message"
                );
                io.reply_rejection(&r);
            }
        }
        Ok(Next::Continue)
    }
}

mod wire;
use wire::*;

#[cfg(test)]
mod tests;
