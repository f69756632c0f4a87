//! The binary as a user runs it: zero-config start, bad configuration, admin commands, audit
//! verification, backup, and `--help` everywhere.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::{embargo, run};

#[test]
fn serve_starts_with_zero_config_and_prints_a_setup_link() {
    let dir = tempfile::tempdir().unwrap();
    // Only the port is chosen, so the test does not collide with a running instance.
    let log = std::fs::File::create(dir.path().join("stderr.log")).unwrap();
    let mut child = embargo()
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(
        first.starts_with("Embargo listening on http://127.0.0.1:"),
        "{first}"
    );
    let _ = lines.next();
    let link = lines.next().unwrap().unwrap();
    assert!(
        link.trim().starts_with("http://127.0.0.1:") && link.contains("/setup/"),
        "{link}"
    );
    let data = dir.path().join("embargo-data");
    assert_eq!(
        std::fs::metadata(&data).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for entry in std::fs::read_dir(&data).unwrap() {
        let e = entry.unwrap();
        assert_eq!(
            e.metadata().unwrap().permissions().mode() & 0o777,
            0o600,
            "{:?}",
            e.file_name()
        );
    }
    let names: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.contains(&"embargo.db".to_string()) && names.contains(&"master.key".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"embargo.db-wal".to_string()),
        "WAL mode: {names:?}"
    );
    // Requests carrying secrets (the setup token in the path, a password in the body, a bearer
    // token) leave no trace of them in the log.
    let url = link.trim().strip_prefix("http://").unwrap();
    let (addr, path) = url.split_once('/').unwrap();
    let token = path.rsplit('/').next().unwrap().to_owned();
    http(
        addr,
        &format!("GET /{path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    let body = "email=a%40example.org&password=hunter2-but-longer&csrf_token=zzzz";
    http(
        addr,
        &format!(
            "POST /login HTTP/1.1\r\nHost: x\r\nCookie: embargo_csrf=zzzzzzzzzzzzzzzzzzzz\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    http(
        addr,
        "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer emb_abcdefghij_SECRETSECRETSECRETSECRETSECRETSECRET\r\nConnection: close\r\n\r\n",
    );
    // SIGTERM: graceful exit.
    Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let mut status = None;
    for _ in 0..100 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(status.unwrap().success());
    let logged = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap();
    assert!(
        logged.contains("\"route\":\"/setup/{token}\""),
        "requests are logged as JSON: {logged}"
    );
    for secret in [token.as_str(), "hunter2", "SECRETSECRET", "zzzz"] {
        assert!(!logged.contains(secret), "`{secret}` leaked into the log");
    }
}

fn http(addr: &str, request: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[test]
fn bad_configuration_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("embargo.toml"),
        "listen = \"127.0.0.1:0\"\n[security]\nsession_idle_minuts = 5\n",
    )
    .unwrap();
    let (code, _, err) = run(&["serve"], dir.path());
    assert_ne!(code, 0);
    assert!(
        err.contains("session_idle_minuts")
            && err.contains("session_idle_minutes")
            && err.contains("line 3"),
        "{err}"
    );
    let (code, _, err) = run(
        &["serve", "--database-url", "mysql://x"],
        tempfile::tempdir().unwrap().path(),
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("database_url") && err.contains("postgres://"),
        "{err}"
    );
    let clean = tempfile::tempdir().unwrap();
    let out = embargo()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("EMBARGO_LOG_FORMAT", "xml")
        .current_dir(clean.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("EMBARGO_LOG_FORMAT") && err.contains("json"),
        "{err}"
    );
}

#[test]
fn admin_commands_audit_verify_and_backup() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, out, err) = run(
        &["admin", "create-user", "ops@example.org", "--role", "admin"],
        d,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("/setup/"), "{out}");
    let (code, out, _) = run(
        &[
            "admin",
            "create-token",
            "ops@example.org",
            "--scope",
            "admin",
        ],
        d,
    );
    assert_eq!(code, 0);
    assert!(out.lines().last().unwrap().starts_with("emb_"), "{out}");
    let (code, _, err) = run(
        &["admin", "create-user", "x@example.org", "--role", "root"],
        d,
    );
    assert_ne!(code, 0);
    assert!(err.contains("admin, triager, developer, viewer"), "{err}");
    let (_, out, _) = run(&["admin", "list-users", "--json"], d);
    let users: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(users[0]["email"], "ops@example.org");
    let (code, out, _) = run(&["admin", "reset-password", "ops@example.org"], d);
    assert_eq!(code, 0);
    assert!(out.contains("/setup/"));
    let (code, _, _) = run(&["admin", "disable-user", "ops@example.org"], d);
    assert_ne!(code, 0, "the last admin cannot be disabled");
    let (code, out, _) = run(&["admin", "reset-2fa", "ops@example.org"], d);
    assert_eq!(code, 0);
    assert!(out.contains("Two-factor authentication is off"), "{out}");

    let (code, out, _) = run(&["audit", "verify"], d);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("intact"), "{out}");

    let (code, out, err) = run(&["backup", "copy.db"], d);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("consistent copy"));
    assert_eq!(
        std::fs::metadata(d.join("copy.db"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    let (code, _, _) = run(&["backup", "copy.db"], d);
    assert_ne!(code, 0, "never overwrites");

    // Tamper with the audit log directly in the database.
    let (code, _, _) = run(&["migrate"], d);
    assert_eq!(code, 0);
    tamper(&d.join("embargo-data/embargo.db"));
    let (code, out, _) = run(&["audit", "verify"], d);
    assert_eq!(code, 1);
    assert!(out.contains("BROKEN at entry 2"), "{out}");
}

fn tamper(db: &std::path::Path) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = embargo_store::Store::connect(
            &format!("sqlite://{}", db.display()),
            &Default::default(),
        )
        .await
        .unwrap();
        use embargo_store::ConnectionTrait;
        store
            .conn()
            .execute_unprepared("UPDATE audit_log SET target = 'user:999' WHERE seq = 2")
            .await
            .unwrap();
        store.close().await;
    });
}

#[test]
fn every_subcommand_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["admin", "--help"],
        vec!["admin", "create-user", "--help"],
        vec!["admin", "reset-password", "--help"],
        vec!["admin", "disable-user", "--help"],
        vec!["admin", "list-users", "--help"],
        vec!["admin", "create-token", "--help"],
        vec!["config", "example", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["backup", "--help"],
        vec!["policy", "--help"],
        vec!["program", "add", "--help"],
        vec!["program", "update", "--help"],
        vec!["program", "list", "--help"],
        vec!["cvss", "--help"],
        vec!["ingest-mail", "--help"],
        vec!["admin", "reset-2fa", "--help"],
    ] {
        let (code, out, _) = run(&args, dir.path());
        assert_eq!(code, 0, "{args:?}");
        assert!(
            out.contains("Usage:") && out.lines().count() > 3,
            "{args:?}: {out}"
        );
    }
    let (_, out, _) = run(&["config", "example"], dir.path());
    assert!(out.contains("listen = \"127.0.0.1:8080\""));
}

#[test]
fn the_config_docs_list_every_key_of_the_example() {
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/CONFIG.md"))
            .unwrap();
    let (_, example, _) = run(&["config", "example"], tempfile::tempdir().unwrap().path());
    let mut section = String::new();
    for line in example.lines() {
        let line = line.trim();
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = format!("{s}.");
        } else if let Some((key, _)) = line.split_once(" = ").filter(|_| !line.starts_with('#')) {
            let full = format!("{section}{}", key.trim());
            assert!(
                docs.contains(&format!("`{full}`")),
                "docs/CONFIG.md does not document `{full}`"
            );
        }
    }
}

#[test]
fn programs_are_added_and_updated_from_policy_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/policies");
    let (code, out, err) = run(
        &[
            "program",
            "add",
            &format!("{examples}/exposure-management-api.toml"),
        ],
        d,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Added program"), "{out}");
    std::fs::write(d.join("bad.toml"), "[program]\nname = 1\n").unwrap();
    let (code, _, err) = run(&["program", "add", "bad.toml"], d);
    assert_eq!(code, 2);
    assert!(
        err.contains("bad.toml:2:") && err.contains("not saved"),
        "{err}"
    );
    let slug = out.split('`').nth(1).unwrap().to_owned();
    let (code, out, err) = run(
        &[
            "program",
            "update",
            &slug,
            &format!("{examples}/exposure-management-api.toml"),
        ],
        d,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("revision 2"), "{out}");
    let (_, out, _) = run(&["program", "list"], d);
    assert!(out.contains(&slug) && out.contains("yes"), "{out}");
}

#[test]
fn cvss_prints_scores_or_exactly_what_is_wrong() {
    let d = tempfile::tempdir().unwrap();
    let (code, out, _) = run(
        &[
            "cvss",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "--json",
        ],
        d.path(),
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["base_score"], 9.8, "{out}");
    let (code, _, err) = run(&["cvss", "CVSS:3.1/AV:N"], d.path());
    assert_eq!(code, 2);
    assert!(err.contains("AC"), "{err}");
}

/// `embargo ingest-mail` with the message on standard input, as an MTA's pipe runs it.
fn ingest(args: &[&str], cwd: &std::path::Path, message: &[u8]) -> (i32, String, String) {
    use std::io::Write;
    let mut child = embargo()
        .arg("ingest-mail")
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // The binary may stop reading early (too large): a broken pipe is expected then.
    let _ = stdin.write_all(message);
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn ingest_mail_files_a_message_from_an_mta_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/policies");
    let (code, _, err) = run(
        &[
            "program",
            "add",
            &format!("{examples}/home-automation-integration.toml"),
        ],
        d,
    );
    assert_eq!(code, 0, "{err}");
    let msg = b"From: Rita <rita@example.net>\r\nTo: security@spook.example\r\nSubject: Token in logs\r\nMessage-ID: <1@example.net>\r\n\r\nThe API token is logged.\r\n";
    let (code, out, err) = ingest(&["--program", "spook"], d, msg);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("new case SPOOK-"), "{out}");
    // Unparseable input is kept (exit 0: the MTA must not bounce it), in quarantine.
    let (code, out, err) = ingest(&["--program", "spook"], d, b"\x00\x01 not mail");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("quarantined"), "{out}");
    // Unknown program: a data error; too large: a data error, before anything is stored.
    let (code, _, err) = ingest(&["--program", "nope"], d, msg);
    assert_eq!(code, 65, "{err}");
    std::fs::write(d.join("embargo.toml"), "[mail]\nmax_message_bytes = 2048\n").unwrap();
    let (code, _, err) = ingest(&["--program", "spook"], d, &vec![b'a'; 4096]);
    assert_eq!(code, 65);
    assert!(err.contains("max_message_bytes"), "{err}");
}
