//! `feedparse`: the same-run baseline of `bench/feed.py`. Reads a zip the way
//! `embargo_feed::reader` does (one entry at a time through a `BufReader`, `read_to_end`, the
//! CRC checked, only `.json` / `.yaml` / `.yml` entries) and only parses each entry:
//!
//! * `--mode osv` (default): `serde_json::from_slice::<embargo_formats::osv::Vulnerability>`,
//!   the typed parse that ingest's JSON fast path (`record::parse_osv_json`) makes, without
//!   the `serde_path_to_error` wrapper;
//! * `--mode value`: `serde_json::from_slice::<serde_json::Value>`;
//! * `--mode read`: inflate only, no parse.
//!
//! Nothing is written anywhere. Prints `{"mode", "entries", "bytes", "seconds",
//! "records_per_second", "errors"}` as JSON.
//!
//! ```text
//! feedparse ZIP [--mode osv|value|read]
//! ```

use std::fs::File;
use std::io::{BufReader, Read};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use embargo_formats::osv::Vulnerability;
use serde_json::json;

fn is_document(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".json") || lower.ends_with(".yaml") || lower.ends_with(".yml")
}

fn main() -> Result<()> {
    let mut path = None;
    let mut mode = "osv".to_owned();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--mode" => mode = it.next().context("--mode needs a value")?,
            _ if path.is_none() => path = Some(a),
            other => bail!("unknown argument {other}"),
        }
    }
    let path = path.context("usage: feedparse ZIP [--mode osv|value|read]")?;
    if !matches!(mode.as_str(), "osv" | "value" | "read") {
        bail!("--mode is osv, value or read");
    }
    let t0 = Instant::now();
    let f = File::open(&path).with_context(|| format!("opening {path}"))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(f))?;
    let mut buf = Vec::new();
    let (mut entries, mut bytes, mut errors, mut ids) = (0u64, 0u64, 0u64, 0u64);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        let name = entry.name()?.into_owned();
        if entry.is_dir() || !is_document(&name) {
            continue;
        }
        buf.clear();
        entry.read_to_end(&mut buf)?;
        drop(entry);
        entries += 1;
        bytes += buf.len() as u64;
        match mode.as_str() {
            "osv" => match serde_json::from_slice::<Vulnerability>(&buf) {
                // Touch the result so the parse cannot be optimised away.
                Ok(v) => ids += v.id.len() as u64,
                Err(_) => errors += 1,
            },
            "value" => match serde_json::from_slice::<serde_json::Value>(&buf) {
                Ok(v) => ids += v.get("id").and_then(|x| x.as_str()).map_or(0, str::len) as u64,
                Err(_) => errors += 1,
            },
            _ => ids += u64::from(buf.first().copied().unwrap_or(0)),
        }
    }
    let seconds = t0.elapsed().as_secs_f64();
    let rate = if seconds > 0.0 {
        entries as f64 / seconds
    } else {
        0.0
    };
    println!(
        "{}",
        serde_json::to_string(&json!({
            "mode": mode,
            "entries": entries,
            "bytes": bytes,
            "seconds": seconds,
            "records_per_second": rate,
            "errors": errors,
            "checksum": ids,
        }))?
    );
    Ok(())
}
