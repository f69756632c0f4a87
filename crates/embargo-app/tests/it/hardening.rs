//! HTTP hardening: headers, limits, timeouts, rate limits, TLS, graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{TestApp, config};

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::start().await;
    let c = app.client();
    for path in ["/login", "/healthz", "/nope", "/api/v1/me"] {
        let r = c.get(path).await;
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("frame-ancestors 'none'")
                && csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
        assert!(r.header("x-request-id").is_some(), "{path}");
        assert!(
            r.header("strict-transport-security").is_none(),
            "no HSTS over plain HTTP"
        );
    }
    let page = c.get("/login").await.text;
    assert!(
        !page.contains("<script") && !page.contains("style="),
        "no inline script or style"
    );
    app.stop().await;

    let mut cfg = config();
    cfg.public_url = "https://embargo.example.org".into();
    let app = TestApp::with(cfg, embargo_store::testing::sqlite().await).await;
    let bound = format!("http://{}", app.running.as_ref().unwrap().addr);
    let r = crate::harness::Client::new(&bound).get("/login").await;
    assert!(
        r.header("strict-transport-security")
            .unwrap()
            .contains("max-age=")
    );
    assert!(
        r.header("set-cookie")
            .unwrap()
            .starts_with("__Host-embargo_csrf=")
            && r.header("set-cookie").unwrap().contains("Secure")
    );
    app.stop().await;
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let mut cfg = config();
    cfg.security.max_body_bytes = 4096;
    let app = TestApp::with(cfg, embargo_store::testing::sqlite().await).await;
    let c = app.client();
    let big = "x".repeat(10_000);
    let r = c
        .send(
            c.http
                .post(format!("{}/login", app.url))
                .header("origin", &app.url)
                .form(&[
                    ("email", big.as_str()),
                    ("password", "p"),
                    ("csrf_token", "t"),
                ]),
        )
        .await;
    assert_eq!(r.status, 413);
    assert!(r.text.contains("413"), "an HTML error page: {}", r.text);
    let r = c
        .send(
            c.http
                .delete(format!("{}/api/v1/tokens/x", app.url))
                .bearer_auth("emb_x")
                .body(big),
        )
        .await;
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["error"]["code"], "payload_too_large");
    app.stop().await;
}

#[tokio::test]
async fn a_stalled_request_times_out_with_408() {
    let mut cfg = config();
    cfg.security.request_timeout_secs = 1;
    let app = TestApp::with(cfg, embargo_store::testing::sqlite().await).await;
    let addr = app.url.strip_prefix("http://").unwrap().to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    // Headers promise a body that never comes.
    s.write_all(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=").await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
    app.stop().await;
}

#[tokio::test]
async fn anonymous_posts_are_rate_limited_per_ip() {
    let mut cfg = config();
    cfg.security.unauthenticated_posts_per_minute = 3;
    let app = TestApp::with(cfg, embargo_store::testing::sqlite().await).await;
    let c = app.client();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(
            c.submit(
                "/login",
                "/login",
                &[("email", "x@example.org"), ("password", "whatever12345")],
            )
            .await,
        );
    }
    assert_eq!(statuses[0].status, 401);
    let limited = statuses.last().unwrap();
    assert_eq!(limited.status, 429);
    assert!(
        limited
            .header("retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    app.stop().await;
}

fn self_signed() -> (
    tempfile::TempDir,
    String,
    String,
    rustls::pki_types::CertificateDer<'static>,
) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    let der = ck.cert.der().clone();
    (
        dir,
        cert.display().to_string(),
        key.display().to_string(),
        der,
    )
}

async fn tls_handshake(
    addr: &str,
    der: &rustls::pki_types::CertificateDer<'static>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Result<String, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(der.clone()).unwrap();
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(versions)
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(cfg));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())?;
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    tls.read_to_string(&mut out)
        .await
        .map_err(|e| e.to_string())?;
    Ok(out)
}

#[tokio::test]
async fn built_in_tls_speaks_only_tls13_by_default() {
    let (_dir, cert, key, der) = self_signed();
    let mut cfg = config();
    cfg.tls.cert_file = cert;
    cfg.tls.key_file = key;
    let app = TestApp::with(cfg, embargo_store::testing::sqlite().await).await;
    assert!(app.url.starts_with("https://"));
    let addr = app.url.strip_prefix("https://").unwrap().to_owned();
    let ok = tls_handshake(&addr, &der, &[&rustls::version::TLS13])
        .await
        .unwrap();
    assert!(
        ok.starts_with("HTTP/1.1 200") && ok.contains("strict-transport-security"),
        "{ok}"
    );
    assert!(
        tls_handshake(&addr, &der, &[&rustls::version::TLS12])
            .await
            .is_err(),
        "TLS 1.2 refused"
    );
    app.stop().await;
}

#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish() {
    let app = TestApp::start().await;
    let addr = app.url.strip_prefix("http://").unwrap().to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    // A request is in flight (its body not yet sent) when shutdown starts.
    s.write_all(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stopping = tokio::spawn(app.stop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    s.write_all(b"email=x&a=").await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(
        head.starts_with("HTTP/1.1 4"),
        "the in-flight request was answered (a refusal of the made-up form is fine): {head}"
    );
    tokio::time::timeout(Duration::from_secs(10), stopping)
        .await
        .unwrap()
        .unwrap();
    // And new connections are refused.
    assert!(tokio::net::TcpStream::connect(&addr).await.is_err());
}
