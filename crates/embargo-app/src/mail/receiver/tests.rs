//! Tests for the SMTP receiver: the pure parts directly, the protocol over real loopback
//! connections, TLS with a self-signed certificate, and Python's `smtplib` as an outside
//! client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use std::net::IpAddr;
use std::sync::Mutex;
use tokio::io::{AsyncBufReadExt, BufReader};

// ---------------------------------------------------------------- pure parts

fn scan(input: &[u8], chunk: usize) -> (Option<usize>, Vec<u8>) {
    let mut r = DataReader::new(1 << 20, 1000);
    let mut pos = 0;
    for part in input.chunks(chunk.max(1)) {
        if let Some(used) = r.feed(part) {
            return (Some(pos + used), r.data);
        }
        pos += part.len();
    }
    (None, r.data)
}

#[test]
fn data_end_and_unstuffing_do_not_depend_on_chunking() {
    let cases: &[(&[u8], Option<&[u8]>)] = &[
        (b".\r\n", Some(b"")),
        (b"a\r\n.\r\nNEXT", Some(b"a\r\n")),
        (b"..x\r\n.. \r\n..\r\n.\r\n", Some(b".x\r\n. \r\n.\r\n")),
        (b".x\r\n.\r\r\n.\r\n", Some(b"x\r\n\r\r\n")),
        // Smuggling variants: none of these ends the data.
        (b"a\n.\nb", None),
        (b"a\r.\rb", None),
        (b"a\r\n.\nb", None),
        (b"a\n.\r\nb", None),
        (b"a\r.\r\nb", None),
    ];
    for (input, want) in cases {
        for chunk in [1, 2, 3, 7, 1000] {
            let (end, data) = scan(input, chunk);
            match want {
                Some(w) => {
                    assert_eq!(&data, w, "{input:?} chunk {chunk}");
                    let used = end.expect("end found");
                    assert!(input[..used].ends_with(b"\r\n.\r\n") || used == 3);
                }
                None => assert_eq!(end, None, "{input:?} chunk {chunk}"),
            }
        }
    }
}

#[test]
fn data_reader_limits() {
    let mut r = DataReader::new(12, 6);
    assert_eq!(r.feed(b"1234\r\n1234\r\n.\r\n"), Some(15));
    assert!(!r.oversize() && !r.long_line);
    assert_eq!(r.data, b"1234\r\n1234\r\n");
    let mut r = DataReader::new(10, 6);
    assert_eq!(r.feed(b"1234\r\n12345\r\n.\r\n"), Some(16));
    assert!(r.oversize() && r.long_line && r.data.is_empty() && r.size == 13);
}

#[test]
fn paths() {
    let p = |s| parse_path(s).map(|(m, rest)| (m, rest.to_string()));
    assert_eq!(p("<a@b.example>"), Some(("a@b.example".into(), "".into())));
    assert_eq!(p(" <a@b> SIZE=1"), Some(("a@b".into(), " SIZE=1".into())));
    assert_eq!(p("<>"), Some(("".into(), "".into())));
    assert_eq!(p("<@r1,@r2:u@d>"), Some(("u@d".into(), "".into())));
    assert_eq!(p("<\"a>b\"@d>"), Some(("\"a>b\"@d".into(), "".into())));
    assert_eq!(
        p("u@d BODY=8BITMIME"),
        Some(("u@d".into(), " BODY=8BITMIME".into()))
    );
    assert_eq!(p("<a@b"), None);
    assert_eq!(p("<a@b>x"), None);
    assert!(p(&format!("<{}@b>", "x".repeat(300))).is_none());
    assert!(valid_mailbox("a@b.example") && valid_mailbox("x@[IPv6:::1]"));
    assert!(!valid_mailbox("a") && !valid_mailbox("@b") && !valid_mailbox("a b@c"));
    assert_eq!(strip_prefix_ci("from:<x>", "FROM:"), Some("<x>"));
    assert_eq!(strip_prefix_ci("FR", "FROM:"), None);
}

#[test]
fn reply_text_is_one_line() {
    assert_eq!(clean("a\r\nb", 100), "a  b");
    assert_eq!(clean("ééé", 5), "éé");
}

#[test]
fn rejections_are_normalized() {
    let n = |c, e| Rejection::new(c, e, "m").normalized();
    assert_eq!(n(550, "5.1.1"), (550, "5.1.1"));
    assert_eq!(n(451, "4.3.0"), (451, "4.3.0"));
    assert_eq!(n(250, "2.0.0"), (451, "4.0.0"));
    assert_eq!(n(550, "4.1.1"), (550, "5.0.0"));
    assert_eq!(n(550, "5.1"), (550, "5.0.0"));
    assert_eq!(n(550, "5.1.1.1"), (550, "5.0.0"));
}

#[test]
fn rate_limit_counts_per_address_and_ipv6_prefix() {
    let now = Instant::now();
    let mut r = RateLimiter::new(2);
    let a: IpAddr = "192.0.2.1".parse().unwrap();
    assert!(r.allow(a, now) && r.allow(a, now) && !r.allow(a, now));
    assert!(r.allow("192.0.2.2".parse().unwrap(), now));
    let v6 = |s: &str| s.parse::<IpAddr>().unwrap();
    assert!(r.allow(v6("2001:db8::1"), now) && r.allow(v6("2001:db8::2"), now));
    assert!(!r.allow(v6("2001:db8::ffff:3"), now));
    assert!(!r.allow(v6("::ffff:192.0.2.1"), now));
    assert!(r.allow(a, now + Duration::from_secs(61)));
    assert!(RateLimiter::new(0).allow(a, now));
}

// ---------------------------------------------------------------- harness

#[derive(Default)]
struct Collect {
    messages: Mutex<Vec<(Envelope, Vec<u8>)>>,
}

impl Sink for Collect {
    fn check_recipient(&self, rcpt: &str) -> Verdict {
        if rcpt.ends_with("@security.example") || rcpt.eq_ignore_ascii_case("postmaster") {
            Verdict::Accept
        } else {
            Verdict::Reject(Rejection::new(550, "5.1.1", "No such mailbox here"))
        }
    }

    fn deliver(&self, envelope: Envelope, data: Vec<u8>) -> DeliverFuture<'_> {
        Box::pin(async move {
            if envelope.rcpt_to.iter().any(|r| r.starts_with("broken@")) {
                return Err(Rejection::temporary("Storage unavailable"));
            }
            let mut m = self.messages.lock().unwrap();
            m.push((envelope, data));
            Ok(format!("Q{}", m.len()))
        })
    }
}

impl Collect {
    fn all(&self) -> Vec<(Envelope, Vec<u8>)> {
        self.messages.lock().unwrap().clone()
    }
}

struct Server {
    addr: SocketAddr,
    sink: Arc<Collect>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

fn limits() -> Limits {
    Limits {
        max_per_ip_per_minute: 0,
        command_timeout: Duration::from_secs(10),
        ..Limits::default()
    }
}

async fn start(limits: Limits, tls: Option<Arc<rustls::ServerConfig>>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sink = Arc::new(Collect::default());
    let (stop, rx) = watch::channel(false);
    let dyn_sink: Arc<dyn Sink> = sink.clone();
    let task = tokio::spawn(serve(listener, "mx.test".into(), tls, limits, dyn_sink, rx));
    Server {
        addr,
        sink,
        stop,
        task,
    }
}

struct Client<S> {
    io: BufReader<S>,
}

async fn connect(addr: SocketAddr) -> Client<TcpStream> {
    let mut c = Client::new(TcpStream::connect(addr).await.unwrap());
    c.expect(220).await;
    c
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    fn new(stream: S) -> Self {
        Self {
            io: BufReader::new(stream),
        }
    }

    async fn send(&mut self, s: &str) {
        self.io.get_mut().write_all(s.as_bytes()).await.unwrap();
    }

    /// One reply, all its lines: (code, text).
    async fn reply(&mut self) -> (u16, String) {
        let mut text = String::new();
        loop {
            let mut line = String::new();
            let read = timeout(Duration::from_secs(5), self.io.read_line(&mut line));
            let n = read.await.expect("no reply within 5 s").unwrap();
            assert!(n > 0, "connection closed after {text:?}");
            assert!(line.ends_with("\r\n"), "{line:?}");
            text.push_str(&line);
            if line.as_bytes().get(3) == Some(&b' ') {
                return (line[..3].parse().unwrap(), text);
            }
        }
    }

    async fn expect(&mut self, code: u16) -> String {
        let (got, text) = self.reply().await;
        assert_eq!(got, code, "{text}");
        text
    }

    async fn cmd(&mut self, line: &str, code: u16) -> String {
        self.send(&format!("{line}\r\n")).await;
        self.expect(code).await
    }

    async fn closed(&mut self) -> bool {
        let mut rest = Vec::new();
        let read = timeout(Duration::from_secs(5), self.io.read_to_end(&mut rest));
        matches!(read.await, Ok(Ok(0)) | Ok(Err(_)))
    }

    /// MAIL, RCPT, DATA, content; returns the final reply text.
    async fn transaction(&mut self, from: &str, to: &str, content: &str, code: u16) -> String {
        self.cmd(&format!("MAIL FROM:<{from}>"), 250).await;
        self.cmd(&format!("RCPT TO:<{to}>"), 250).await;
        self.cmd("DATA", 354).await;
        self.send(content).await;
        self.expect(code).await
    }
}

// ---------------------------------------------------------------- protocol

#[tokio::test]
async fn full_transaction() {
    let srv = start(limits(), None).await;
    let mut c = connect(srv.addr).await;
    let ehlo = c.cmd("EHLO client.test", 250).await;
    assert!(ehlo.starts_with("250-mx.test Hello\r\n"), "{ehlo}");
    for ext in [
        "SIZE 26214400",
        "8BITMIME",
        "PIPELINING",
        "ENHANCEDSTATUSCODES",
    ] {
        assert!(ehlo.contains(&format!("250-{ext}\r\n")), "{ext}: {ehlo}");
    }
    assert!(ehlo.ends_with("250 SMTPUTF8\r\n") && !ehlo.contains("STARTTLS"));
    c.cmd(
        "MAIL FROM:<reporter@example.org> SIZE=100 BODY=8BITMIME",
        250,
    )
    .await;
    c.cmd("RCPT TO:<security@security.example>", 250).await;
    c.cmd("RCPT TO:<Postmaster>", 250).await;
    c.cmd("DATA", 354).await;
    c.send("Subject: hi\r\n\r\nHello, world.\r\n.\r\n").await;
    let done = c.expect(250).await;
    assert_eq!(done, "250 2.0.0 Ok: queued as Q1\r\n");
    c.cmd("QUIT", 221).await;
    assert!(c.closed().await);

    let all = srv.sink.all();
    let (env, data) = &all[0];
    assert_eq!(all.len(), 1);
    assert_eq!(env.helo, "client.test");
    assert_eq!(env.mail_from, "reporter@example.org");
    assert_eq!(env.rcpt_to, ["security@security.example", "Postmaster"]);
    assert!(!env.tls && env.peer.ip().is_loopback());
    assert_eq!(*data, b"Subject: hi\r\n\r\nHello, world.\r\n");
}

#[tokio::test]
async fn other_commands() {
    let srv = start(limits(), None).await;
    let mut c = connect(srv.addr).await;
    assert_eq!(c.cmd("HELO old.test", 250).await, "250 mx.test Hello\r\n");
    c.cmd("NOOP", 250).await;
    c.cmd("NOOP anything", 250).await;
    c.cmd("VRFY security", 252).await;
    c.cmd("EXPN list", 502).await;
    c.cmd("HELP", 214).await;
    c.cmd("STARTTLS", 502).await;
    // RFC 6531: UTF-8 addresses only with the SMTPUTF8 parameter.
    c.cmd("MAIL FROM:<δοκιμή@παράδειγμα.example>", 553).await;
    c.cmd("MAIL FROM:<δοκιμή@παράδειγμα.example> SMTPUTF8", 250)
        .await;
    c.cmd("RCPT TO:<sécurité@security.example>", 250).await;
    c.cmd("RSET", 250).await;
    c.cmd("mail from:<>", 250).await;
    c.cmd("RSET", 250).await;
    c.cmd("RCPT TO:<security@security.example>", 503).await;
    // A bare LF ends a command line; the next command still works.
    c.send("NOOP\n").await;
    c.expect(250).await;
    let done = c
        .transaction("", "security@security.example", "x\r\n.\r\n", 250)
        .await;
    assert!(done.contains("Q1"));
    let all = srv.sink.all();
    assert_eq!(all[0].0.mail_from, "");
    assert_eq!(all[0].0.helo, "old.test");
    c.cmd("QUIT", 221).await;
}

#[tokio::test]
async fn pipelining() {
    let srv = start(limits(), None).await;
    let mut c = connect(srv.addr).await;
    c.cmd("EHLO client.test", 250).await;
    c.send(concat!(
        "MAIL FROM:<a@example.org>\r\n",
        "RCPT TO:<one@security.example>\r\n",
        "RCPT TO:<x@elsewhere.example>\r\n",
        "RCPT TO:<two@security.example>\r\n",
        "DATA\r\n"
    ))
    .await;
    for code in [250, 250, 550, 250, 354] {
        c.expect(code).await;
    }
    c.send(concat!(
        "Subject: p\r\n\r\nfirst\r\n.\r\n",
        "MAIL FROM:<b@example.org>\r\nRCPT TO:<one@security.example>\r\nDATA\r\n"
    ))
    .await;
    for code in [250, 250, 250, 354] {
        c.expect(code).await;
    }
    c.send("second\r\n.\r\nQUIT\r\n").await;
    c.expect(250).await;
    c.expect(221).await;
    let all = srv.sink.all();
    assert_eq!(all.len(), 2);
    assert_eq!(
        all[0].0.rcpt_to,
        ["one@security.example", "two@security.example"]
    );
    assert_eq!(all[0].1, b"Subject: p\r\n\r\nfirst\r\n");
    assert_eq!(all[1].1, b"second\r\n");
}

#[tokio::test]
async fn dot_unstuffing() {
    let srv = start(limits(), None).await;
    let mut c = connect(srv.addr).await;
    c.cmd("EHLO client.test", 250).await;
    let content = "line\r\n..starts with a dot\r\n..\r\n. \r\n.x\r\n.\r\n";
    c.transaction("a@example.org", "s@security.example", content, 250)
        .await;
    c.transaction("a@example.org", "s@security.example", ".\r\n", 250)
        .await;
    let all = srv.sink.all();
    assert_eq!(all[0].1, b"line\r\n.starts with a dot\r\n.\r\n \r\nx\r\n");
    assert_eq!(all[1].1, b"");
}

#[tokio::test]
async fn smuggled_end_of_data_does_not_split_a_message() {
    let srv = start(limits(), None).await;
    let mut c = connect(srv.addr).await;
    c.cmd("EHLO client.test", 250).await;
    let seps = ["\n.\n", "\r.\r", "\r\n.\n", "\n.\r\n", "\r.\r\n"];
    for sep in seps {
        let content = format!(
            "Subject: s\r\n\r\nfirst{sep}MAIL FROM:<spoof@bank.example>\r\n\
             RCPT TO:<victim@security.example>\r\nDATA\r\nsmuggled\r\n.\r\n"
        );
        c.transaction("a@example.org", "s@security.example", &content, 250)
            .await;
        // Had the message been split, the smuggled commands' replies would come first.
        assert_eq!(c.cmd("NOOP", 250).await, "250 2.0.0 Ok\r\n");
    }
    let all = srv.sink.all();
    assert_eq!(all.len(), seps.len());
    for (env, data) in &all {
        assert_eq!(env.mail_from, "a@example.org");
        let text = String::from_utf8_lossy(data).into_owned();
        assert!(text.contains("MAIL FROM:<spoof@bank.example>") && text.ends_with("smuggled\r\n"));
    }
}

#[tokio::test]
async fn size_limits() {
    let srv = start(
        Limits {
            max_message_bytes: 1000,
            ..limits()
        },
        None,
    )
    .await;
    let mut c = connect(srv.addr).await;
    assert!(
        c.cmd("EHLO client.test", 250)
            .await
            .contains("250-SIZE 1000\r\n")
    );
    let t = c.cmd("MAIL FROM:<a@example.org> SIZE=1001", 552).await;
    assert!(t.starts_with("552 5.3.4 "));
    c.cmd(
        "MAIL FROM:<a@example.org> SIZE=99999999999999999999999",
        552,
    )
    .await;
    c.cmd("MAIL FROM:<a@example.org> SIZE=-1", 501).await;
    // Exactly at the limit: ten lines of 98 characters plus CRLF.
    let line = format!("{}\r\n", "y".repeat(98));
    let exact = format!("{}.\r\n", line.repeat(10));
    c.transaction("a@example.org", "s@security.example", &exact, 250)
        .await;
    let over = format!("z{exact}");
    let t = c
        .transaction("a@example.org", "s@security.example", &over, 552)
        .await;
    assert!(t.starts_with("552 5.3.4 "));
    let big = format!("{}.\r\n", line.repeat(1000));
    c.cmd("MAIL FROM:<a@example.org> SIZE=500", 250).await;
    c.cmd("RCPT TO:<s@security.example>", 250).await;
    c.cmd("DATA", 354).await;
    c.send(&big).await;
    c.expect(552).await;
    // The whole message was read and the transaction is over: the session goes on.
    c.transaction("a@example.org", "s@security.example", "small\r\n.\r\n", 250)
        .await;
    let all = srv.sink.all();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].1.len(), 1000);
    assert_eq!(all[1].1, b"small\r\n");
}

#[tokio::test]
async fn too_many_recipients() {
    let srv = start(
        Limits {
            max_recipients: 2,
            ..limits()
        },
        None,
    )
    .await;
    let mut c = connect(srv.addr).await;
    c.cmd("EHLO client.test", 250).await;
    c.cmd("MAIL FROM:<a@example.org>", 250).await;
    c.cmd("RCPT TO:<one@security.example>", 250).await;
    c.cmd("RCPT TO:<two@security.example>", 250).await;
    let t = c.cmd("RCPT TO:<three@security.example>", 452).await;
    assert!(t.starts_with("452 4.5.3 "));
    c.cmd("RCPT TO:<one@security.example>", 250).await; // duplicate, not counted
    c.cmd("DATA", 354).await;
    c.send("x\r\n.\r\n").await;
    c.expect(250).await;
    assert_eq!(
        srv.sink.all()[0].0.rcpt_to,
        ["one@security.example", "two@security.example"]
    );
}

#[tokio::test]
async fn rejections_and_sequence_errors() {
    let srv = start(
        Limits {
            max_errors: 20,
            ..limits()
        },
        None,
    )
    .await;
    let mut c = connect(srv.addr).await;
    assert!(
        c.cmd("MAIL FROM:<a@example.org>", 503)
            .await
            .starts_with("503 5.5.1 ")
    );
    c.cmd("EHLO", 501).await;
    c.cmd("EHLO client.test", 250).await;
    c.cmd("DATA", 503).await;
    c.cmd("MAIL FROM:<a@example.org", 501).await;
    c.cmd("MAIL FROM:<a@example.org> FOO=bar", 555).await;
    c.cmd("MAIL FROM:<a@example.org>", 250).await;
    c.cmd("MAIL FROM:<b@example.org>", 503).await;
    let t = c.cmd("RCPT TO:<nobody@elsewhere.example>", 550).await;
    assert_eq!(t, "550 5.1.1 No such mailbox here\r\n");
    c.cmd("DATA", 554).await;
    assert!(c.cmd("BOGUS", 500).await.starts_with("500 5.5.1 "));
    c.send(&format!("NOOP {}\r\n", "A".repeat(5000))).await;
    assert!(c.expect(500).await.starts_with("500 5.5.2 "));
    c.cmd("RSET", 250).await;
    // A storage failure is a temporary refusal, and nothing is stored.
    let t = c
        .transaction(
            "a@example.org",
            "broken@security.example",
            "x\r\n.\r\n",
            451,
        )
        .await;
    assert_eq!(t, "451 4.3.0 Storage unavailable\r\n");
    assert!(srv.sink.all().is_empty());
    c.cmd("QUIT", 221).await;
}

#[tokio::test]
async fn too_many_errors_closes() {
    let srv = start(
        Limits {
            max_errors: 3,
            ..limits()
        },
        None,
    )
    .await;
    let mut c = connect(srv.addr).await;
    c.cmd("X1", 500).await;
    c.cmd("X2", 500).await;
    assert!(c.cmd("X3", 421).await.starts_with("421 4.7.0 "));
    assert!(c.closed().await);
}

#[tokio::test]
async fn http_request_is_refused() {
    let srv = start(limits(), None).await;
    let mut c = connect(srv.addr).await;
    c.cmd("POST / HTTP/1.1", 421).await;
    assert!(c.closed().await);
}

// ---------------------------------------------------------------- STARTTLS

fn tls_configs() -> (Arc<rustls::ServerConfig>, Arc<rustls::ClientConfig>) {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let ck = rcgen::generate_simple_self_signed(vec!["mx.test".to_string()]).unwrap();
    let cert = ck.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    let server = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).unwrap();
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    (Arc::new(server), Arc::new(client))
}

#[tokio::test]
async fn starttls_resets_state_and_discards_pipelined_plaintext() {
    let (server_cfg, client_cfg) = tls_configs();
    let srv = start(limits(), Some(server_cfg)).await;
    let mut c = connect(srv.addr).await;
    assert!(
        c.cmd("EHLO client.test", 250)
            .await
            .ends_with("250 STARTTLS\r\n")
    );
    c.cmd("STARTTLS now", 501).await;
    c.cmd("MAIL FROM:<before@example.org>", 250).await;
    // Injection attempt (CVE-2011-0411): commands in the same packet as STARTTLS.
    c.send("STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\nRCPT TO:<x@security.example>\r\n")
        .await;
    assert_eq!(c.expect(220).await, "220 2.0.0 Ready to start TLS\r\n");
    assert!(c.io.buffer().is_empty());
    let tcp = c.io.into_inner();
    let name = rustls::pki_types::ServerName::try_from("mx.test").unwrap();
    let tls = tokio_rustls::TlsConnector::from(client_cfg)
        .connect(name, tcp)
        .await
        .unwrap();
    let mut c = Client::new(tls);
    // The injected MAIL and RCPT would have answered first.
    assert_eq!(c.cmd("NOOP", 250).await, "250 2.0.0 Ok\r\n");
    // Everything before TLS is forgotten: EHLO again.
    c.cmd("MAIL FROM:<a@example.org>", 503).await;
    let ehlo = c.cmd("EHLO client.test", 250).await;
    assert!(!ehlo.contains("STARTTLS"));
    c.cmd("STARTTLS", 503).await;
    c.transaction(
        "a@example.org",
        "s@security.example",
        "secret\r\n.\r\n",
        250,
    )
    .await;
    c.cmd("QUIT", 221).await;
    assert!(c.closed().await);
    let all = srv.sink.all();
    assert_eq!(all.len(), 1);
    assert!(all[0].0.tls && all[0].0.mail_from == "a@example.org");
    assert_eq!(all[0].1, b"secret\r\n");
}

// ---------------------------------------------------------------- limits and shutdown

async fn first_line(addr: SocketAddr) -> String {
    let mut s = BufReader::new(TcpStream::connect(addr).await.unwrap());
    let mut line = String::new();
    let read = timeout(Duration::from_secs(5), s.read_line(&mut line));
    read.await.unwrap().unwrap();
    line
}

#[tokio::test]
async fn connection_limit() {
    let srv = start(
        Limits {
            max_connections: 1,
            ..limits()
        },
        None,
    )
    .await;
    let mut c = connect(srv.addr).await;
    let busy = first_line(srv.addr).await;
    assert!(busy.starts_with("421 4.3.2 mx.test Too busy"), "{busy}");
    c.cmd("QUIT", 221).await;
    drop(c);
    // The slot is free once the session task has ended.
    let mut line = String::new();
    for _ in 0..50 {
        line = first_line(srv.addr).await;
        if line.starts_with("220 ") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(line.starts_with("220 mx.test"), "{line}");
}

#[tokio::test]
async fn per_ip_rate_limit() {
    let srv = start(
        Limits {
            max_per_ip_per_minute: 2,
            ..limits()
        },
        None,
    )
    .await;
    assert!(first_line(srv.addr).await.starts_with("220 "));
    assert!(first_line(srv.addr).await.starts_with("220 "));
    let refused = first_line(srv.addr).await;
    assert!(refused.starts_with("421 4.7.0 "), "{refused}");
}

#[tokio::test]
async fn idle_timeout() {
    let srv = start(
        Limits {
            command_timeout: Duration::from_millis(300),
            ..limits()
        },
        None,
    )
    .await;
    let mut c = connect(srv.addr).await;
    c.cmd("EHLO client.test", 250).await;
    let started = std::time::Instant::now();
    let t = c.expect(421).await;
    assert!(t.starts_with("421 4.4.2 mx.test"), "{t}");
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert!(c.closed().await);
}

#[tokio::test]
async fn shutdown_lets_the_transaction_finish() {
    let srv = start(limits(), None).await;
    let mut busy = connect(srv.addr).await;
    busy.cmd("EHLO client.test", 250).await;
    busy.cmd("MAIL FROM:<a@example.org>", 250).await;
    let mut idle = connect(srv.addr).await;
    idle.cmd("EHLO client.test", 250).await;

    srv.stop.send(true).unwrap();
    assert!(idle.expect(421).await.starts_with("421 4.3.2 "));
    assert!(idle.closed().await);
    drop(idle); // else the server waits (up to 2 s) for our side to close too
    busy.cmd("RCPT TO:<s@security.example>", 250).await;
    busy.cmd("DATA", 354).await;
    busy.send("last\r\n.\r\n").await;
    busy.expect(250).await;
    busy.cmd("NOOP", 421).await;
    assert!(busy.closed().await);
    drop(busy);
    timeout(Duration::from_secs(5), srv.task)
        .await
        .unwrap()
        .unwrap();
    assert!(TcpStream::connect(srv.addr).await.is_err());
    assert_eq!(srv.sink.all().len(), 1);
}

// ---------------------------------------------------------------- an outside client

const SMTPLIB: &str = r#"
import email.generator, io, smtplib, ssl, sys
from email.message import EmailMessage

msg = EmailMessage()
msg["From"] = "Reporter <reporter@example.org>"
msg["To"] = "security@security.example"
msg["Subject"] = "Heap overflow in the parser"
msg.set_content("Steps:\n.\n..two dots\nend\n")
msg.add_attachment(b"\x00\x01PoC\xff" * 2000, maintype="application",
                   subtype="octet-stream", filename="poc.bin")
msg.set_boundary("==embargo-test-boundary==")  # so that the second flattening below matches
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="py.test", timeout=10) as s:
    s.ehlo()
    assert s.has_extn("starttls") and s.has_extn("pipelining")
    s.starttls(context=ssl._create_unverified_context())
    s.ehlo()
    assert not s.has_extn("starttls")
    assert int(s.esmtp_features["size"]) == 26214400
    refused = s.send_message(msg, to_addrs=["security@security.example", "nobody@elsewhere.example"])
    assert list(refused) == ["nobody@elsewhere.example"], refused
# What smtplib sent, before dot-stuffing (see smtplib.SMTP.send_message).
out = io.BytesIO()
email.generator.BytesGenerator(out, policy=msg.policy.clone(linesep="\r\n")).flatten(msg, linesep="\r\n")
sys.stdout.write(out.getvalue().hex())
"#;

#[tokio::test]
async fn python_smtplib_with_starttls_and_multipart() {
    // Like the browser tests: run where the tool exists (CI images have Python 3).
    if std::process::Command::new("python3")
        .arg("-V")
        .output()
        .is_err()
    {
        eprintln!("python3 not found; skipping the smtplib test");
        return;
    }
    let (server_cfg, _) = tls_configs();
    let srv = start(limits(), Some(server_cfg)).await;
    let port = srv.addr.port().to_string();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .args(["-c", SMTPLIB, &port])
            .output()
    })
    .await
    .unwrap()
    .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "python failed: {stderr}");
    let hex = String::from_utf8(out.stdout).unwrap();
    let sent: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();

    let all = srv.sink.all();
    assert_eq!(all.len(), 1);
    let (env, data) = &all[0];
    assert!(env.tls);
    assert_eq!(env.helo, "py.test");
    assert_eq!(env.mail_from, "reporter@example.org");
    assert_eq!(env.rcpt_to, ["security@security.example"]);
    let text = String::from_utf8_lossy(data);
    assert!(
        text.starts_with("From: Reporter <reporter@example.org>\r\n"),
        "{text}"
    );
    assert!(text.contains("multipart/mixed") && text.contains("filename=\"poc.bin\""));
    assert_eq!(data, &sent);
}
