//! `TestApp`: starts the server in-process on 127.0.0.1:0 with a `ManualClock`, and a client
//! that keeps cookies and fills in CSRF tokens the way a browser submitting the page would.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use embargo_app::clock::ManualClock;
use embargo_app::config::Config;
use embargo_app::keys::Keys;
use embargo_app::serve::{self, Running};
use embargo_store::Store;
use embargo_store::testing::{self, TestDb};

pub struct TestApp {
    pub url: String,
    pub clock: ManualClock,
    pub running: Option<Running>,
    pub db: Option<TestDb>,
    pub setup_link: Option<String>,
    pub keys: Keys,
}

pub fn start_time() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

pub fn config() -> Config {
    let mut c = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Default::default()
    };
    c.jobs.enabled = false;
    c.security.unauthenticated_posts_per_minute = 1000;
    c
}

impl TestApp {
    pub async fn start() -> TestApp {
        TestApp::with(config(), testing::sqlite().await).await
    }

    pub async fn with(config: Config, db: TestDb) -> TestApp {
        let clock = ManualClock::new(start_time());
        let keys = Keys::from_master(&[42; 32]);
        let running = serve::start_with(
            config,
            db.store.clone(),
            keys.clone(),
            Arc::new(clock.clone()),
        )
        .await
        .unwrap();
        TestApp {
            url: running.public_url.clone(),
            setup_link: running.setup_link.clone(),
            clock,
            running: Some(running),
            db: Some(db),
            keys,
        }
    }

    pub fn store(&self) -> &Store {
        &self.db.as_ref().unwrap().store
    }

    pub fn client(&self) -> Client {
        Client::new(&self.url)
    }

    /// Creates the first admin through the setup link and returns a logged-in client.
    pub async fn admin(&self) -> Client {
        let c = self.client();
        let link = self.setup_link.clone().expect("setup link");
        let path = link.strip_prefix(&self.url).unwrap().to_owned();
        let r = c
            .submit(
                &path,
                &path,
                &[
                    ("email", ADMIN),
                    ("display_name", "Ada Admin"),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "setup: {}", r.text);
        c.login(ADMIN, PASSWORD).await;
        c
    }

    /// Creates a user with `role` (via the admin service) and a password, and logs them in.
    pub async fn user(&self, email: &str, role: &str) -> Client {
        let now = self.clock_now();
        let (id, _) = embargo_app::admin::service::create_user(
            self.store(),
            email,
            "",
            role.parse().unwrap(),
            &embargo_app::admin::service::Actor::cli(),
            &self.url,
            now,
        )
        .await
        .unwrap();
        let hash = embargo_app::auth::password::hash(PASSWORD.into())
            .await
            .unwrap();
        embargo_store::user::update(self.store().conn(), id, now, |m| {
            m.password_hash = sea_orm::Set(Some(hash))
        })
        .await
        .unwrap();
        let c = self.client();
        c.login(email, PASSWORD).await;
        c
    }

    pub async fn token(&self, email: &str, scope: &str) -> String {
        let u = embargo_store::user::by_email(self.store().conn(), email)
            .await
            .unwrap()
            .unwrap();
        let req = embargo_app::account::service::TokenRequest {
            name: "test",
            scope: scope.parse().unwrap(),
            expires_in_days: Some(30),
        };
        embargo_app::account::service::create_token(
            self.store(),
            u.id,
            req,
            &embargo_app::admin::service::Actor::cli(),
            self.clock_now(),
        )
        .await
        .unwrap()
        .token
    }

    /// Adds the program of an example policy (`examples/policies/<name>.toml`).
    pub async fn add_program(&self, name: &str) {
        let cli = embargo_app::admin::service::Actor::cli();
        if let Err(e) = embargo_app::program::service::add(
            self.store(),
            &example(name),
            "p.toml",
            &cli,
            self.clock_now(),
        )
        .await
        {
            panic!("adding {name}: {e:?}");
        }
    }

    /// Makes an existing user a member of a program with `role`.
    pub async fn add_member(&self, slug: &str, email: &str, role: &str) {
        let cli = embargo_app::admin::service::Actor::cli();
        embargo_app::program::service::add_member(
            self.store(),
            slug,
            email,
            role.parse().unwrap(),
            &cli,
            self.clock_now(),
        )
        .await
        .unwrap();
    }

    /// Files a report through the JSON API; returns its reference and tracking path.
    pub async fn file_report(&self, slug: &str, fields: serde_json::Value) -> (String, String) {
        self.file_report_with(slug, serde_json::json!({ "fields": fields }))
            .await
    }

    /// Files a report with a whole API body (fields, contact_email, reporter_pgp_key …).
    pub async fn file_report_with(&self, slug: &str, body: serde_json::Value) -> (String, String) {
        let c = self.client();
        let r = c
            .send(
                c.http
                    .post(format!("{}/api/v1/programs/{slug}/reports", self.url))
                    .json(&body),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let reference = r.json()["reference"].as_str().unwrap().to_owned();
        let track = r.json()["tracking_url"]
            .as_str()
            .unwrap()
            .strip_prefix(&self.url)
            .unwrap()
            .to_owned();
        (reference, track)
    }

    pub fn clock_now(&self) -> embargo_store::Ts {
        use embargo_app::clock::Clock;
        self.clock.now()
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
        if let Some(db) = self.db.take() {
            db.cleanup().await;
        }
    }
}

/// An example policy from `examples/policies/` (the five seed programs).
pub fn example(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../examples/policies/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

pub const ADMIN: &str = "ada@example.org";
pub const PASSWORD: &str = "correct horse battery staple";

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    /// The body as received (`text` is its lossy UTF-8 reading).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The value of `<… id="ID">VALUE<` in the page.
    pub fn element(&self, id: &str) -> Option<String> {
        let start = self.text.find(&format!("id=\"{id}\""))?;
        let rest = &self.text[start..];
        let open = rest.find('>')? + 1;
        let close = rest[open..].find('<')?;
        Some(rest[open..open + close].trim().to_owned())
    }
}

pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
}

/// The `version` hidden field of a page's form (optimistic concurrency).
pub fn version_of(html: &str) -> String {
    html.split("name=\"version\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

pub fn csrf_of(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    let end = html[i..].find('"')?;
    Some(html[i..i + end].to_owned())
}

impl Client {
    pub fn new(base: &str) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Client {
            base: base.to_owned(),
            http,
        }
    }

    async fn resp(r: reqwest::Response) -> Resp {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        Resp {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        Self::resp(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn get_bearer(&self, path: &str, token: &str) -> Resp {
        Self::resp(
            self.http
                .get(format!("{}{path}", self.base))
                .bearer_auth(token)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        Self::resp(req.send().await.unwrap()).await
    }

    /// POSTs a form as a same-origin browser would, with the given CSRF token.
    pub async fn post_raw(&self, path: &str, csrf: &str, fields: &[(&str, &str)]) -> Resp {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", csrf));
        Self::resp(
            self.http
                .post(format!("{}{path}", self.base))
                .header("origin", &self.base)
                .header("sec-fetch-site", "same-origin")
                .form(&form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Loads `page`, takes its CSRF token, and submits `fields` to `action`.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Resp {
        let p = self.get(page).await;
        let csrf = csrf_of(&p.text)
            .unwrap_or_else(|| panic!("no csrf token on {page} ({}): {}", p.status, p.text));
        self.post_raw(action, &csrf, fields).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Resp {
        let r = self
            .submit(
                "/login",
                "/login",
                &[("email", email), ("password", password)],
            )
            .await;
        assert_eq!(r.status, 303, "login of {email}: {}", r.text);
        r
    }
}

pub fn gpg_available() -> bool {
    let ok = std::process::Command::new("gpg")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var_os("CI").is_some() {
        panic!("CI is set but gpg is not installed: the OpenPGP interoperability tests must run");
    }
    ok
}

pub fn gpg(home: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new("gpg")
        .arg("--homedir")
        .arg(home)
        .args([
            "--batch",
            "--no-tty",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
        ])
        .args(args)
        .output()
        .unwrap()
}

/// A GnuPG home with one key pair (Ed25519 + Curve25519, GnuPG's own defaults), made by gpg.
pub struct Gpg {
    pub home: tempfile::TempDir,
    pub public: String,
}

impl Gpg {
    pub fn new(uid: &str) -> Gpg {
        let home = tempfile::tempdir().unwrap();
        let out = gpg(
            home.path(),
            &[
                "--quick-generate-key",
                uid,
                "future-default",
                "default",
                "never",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = gpg(home.path(), &["--armor", "--export", uid]);
        assert!(out.status.success());
        Gpg {
            home,
            public: String::from_utf8(out.stdout).unwrap(),
        }
    }

    /// `gpg --decrypt` of `data`; panics with gpg's words when it cannot.
    pub fn decrypt(&self, data: &[u8]) -> String {
        let f = self.home.path().join("in.asc");
        std::fs::write(&f, data).unwrap();
        let out = gpg(self.home.path(), &["--decrypt", f.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "gpg could not decrypt: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

/// A real SMTP server (aiosmtpd, `tests/mail/capture.py`) that keeps every message it gets.
/// `None` when the test Python environment is missing (and CI is not set).
pub struct SmtpCapture {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: std::process::Child,
}

pub fn test_python() -> Option<std::path::PathBuf> {
    let venv =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/mail/.venv/bin/python");
    let python = std::env::var_os("EMBARGO_TEST_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or(venv);
    let ok = std::process::Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var_os("CI").is_some() {
        panic!(
            "CI is set but {} cannot import aiosmtpd: run .ci/run (it makes tests/mail/.venv)",
            python.display()
        );
    }
    ok.then_some(python)
}

impl SmtpCapture {
    pub fn start(reject_first: u32) -> Option<SmtpCapture> {
        use std::io::BufRead;
        let python = test_python()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/mail/capture.py");
        let mut child = std::process::Command::new(python)
            .arg(script)
            .arg(port.to_string())
            .arg(dir.path())
            .env("CAPTURE_REJECT_FIRST", reject_first.to_string())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready");
        Some(SmtpCapture { port, dir, child })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every captured message, oldest first: (envelope recipients, raw message).
    pub fn messages(&self) -> Vec<(Vec<String>, String)> {
        let mut names: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|p| {
                let env: serde_json::Value = serde_json::from_str(
                    &std::fs::read_to_string(p.with_extension("json")).unwrap(),
                )
                .unwrap();
                let rcpt = env["rcpt_tos"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect();
                (rcpt, std::fs::read_to_string(&p).unwrap())
            })
            .collect()
    }
}

impl Drop for SmtpCapture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
