//! Runs the Playwright browser walks in `tests/browser/` against the built binary:
//! `run.mjs` (setup, login, TOTP, tokens, users, audit) and `report.mjs` (a report from the
//! form with JavaScript off through the tracking page to triage). Shared helpers live in
//! `tests/browser/lib.mjs`.
//!
//! Needs Debian's Chromium (`/usr/bin/chromium`, or `$CHROMIUM`) and the Node packages
//! (`cd tests/browser && npm ci`); `.ci/run` installs both. Without them the tests are skipped
//! with a note, except when `CI` is set: then they fail, so CI never passes without them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/embargo sits two levels below the workspace root")
        .to_path_buf()
}

/// Runs `node tests/browser/<script>` with the built binary and the Chromium found, or skips
/// (fails when `CI` is set) when Chromium, Node.js or playwright-core is missing.
fn run_walk(script: &str) {
    let root = workspace_root();
    let chromium = std::env::var_os("CHROMIUM")
        .filter(|c| !c.is_empty())
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    let playwright = root.join("tests/browser/node_modules/playwright-core");
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());

    let mut missing = Vec::new();
    if !chromium.exists() {
        missing.push(format!(
            "Chromium at {} (apt-get install chromium, or set CHROMIUM)",
            chromium.display()
        ));
    }
    if !node_ok {
        missing.push("Node.js (`node` on PATH)".to_owned());
    }
    if !playwright.exists() {
        missing.push(format!(
            "{} (cd tests/browser && npm ci)",
            playwright.display()
        ));
    }
    if !missing.is_empty() {
        let what = missing.join("; ");
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
            panic!(
                "browser test {script} cannot run (CI is set), missing: {what}. .ci/run installs these."
            );
        }
        // Straight to stderr, not through `eprintln!`, which the test harness captures: the
        // note should be seen even when the test passes.
        let _ = writeln!(
            std::io::stderr(),
            "note: browser test {script} skipped, missing: {what}. .ci/run installs these."
        );
        return;
    }

    let status = Command::new("node")
        .arg(format!("tests/browser/{script}"))
        .current_dir(&root)
        .env("EMBARGO_BIN", env!("CARGO_BIN_EXE_embargo"))
        .env("CHROMIUM", &chromium)
        .status()
        .expect("run node");
    assert!(
        status.success(),
        "browser test {script} failed ({status}); see the output above and tests/browser/screenshots/"
    );
}

#[test]
fn browser_walk_setup_login_totp_token_logout() {
    run_walk("run.mjs");
}

#[test]
fn browser_walk_report_form_tracking_triage() {
    run_walk("report.mjs");
}
