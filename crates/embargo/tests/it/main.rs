//! Integration tests of the `embargo` binary: one test binary for the crate (DESIGN.md §7).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod cli;
mod feed;
mod sbom;

use std::process::Command;

/// The built binary, without the developer's own `EMBARGO_*` configuration.
pub fn embargo() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_embargo"));
    for (k, _) in std::env::vars() {
        if k.starts_with("EMBARGO_") {
            c.env_remove(k);
        }
    }
    c
}

/// (exit code, stdout, stderr) of `embargo ARGS…` run in `cwd`.
pub fn run(args: &[&str], cwd: &std::path::Path) -> (i32, String, String) {
    output(embargo().args(args).current_dir(cwd))
}

/// (exit code, stdout, stderr) of a prepared command.
pub fn output(c: &mut Command) -> (i32, String, String) {
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
