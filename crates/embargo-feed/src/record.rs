//! One input document → OSV records: content sniffing (OSV JSON or YAML, a JSON array of OSV
//! records, NVD CVE API 2.0 pages, CVE JSON 5, CSAF), the record's source database, and its
//! canonical bytes and digest.
//!
//! A bad record becomes a [`Rejection`] naming the origin, the record id when it has one and
//! the JSON path of the problem; the other records of the same document still come through.

use embargo_formats::osv::{self, OsvError, Vulnerability};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A record that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// File path, `archive.zip!entry`, or URL.
    pub origin: String,
    /// The record's id, when it could be found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// JSON path of the problem (`affected[0].ranges[0].type`), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(id) = &self.id {
            write!(f, " ({id})")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(p) = &self.path {
            write!(f, " at `{p}`")?;
        }
        Ok(())
    }
}

/// A parsed record and the source it is filed under.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub source: String,
    pub vuln: Vulnerability,
}

/// What a document looks like, decided from its name and first keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    OsvJson,
    OsvYaml,
    OsvArray,
    Nvd,
    Cve5,
    Csaf,
}

fn reject(origin: &str, id: Option<String>, path: Option<String>, message: String) -> Rejection {
    Rejection {
        origin: origin.to_owned(),
        id,
        path,
        message,
    }
}

fn from_osv_error(origin: &str, e: OsvError) -> Rejection {
    match e {
        OsvError::Schema { id, path, message } => reject(
            origin,
            Some(id).filter(|i| i != "<unknown id>"),
            Some(path),
            message,
        ),
        other => reject(origin, None, None, other.to_string()),
    }
}

/// The source database a record belongs to, from its id prefix (`PYSEC-…` → `pysec`,
/// `GHSA-…` → `ghsa`, `GO-…` → `go`): the OSV convention that an id starts with its
/// database's prefix (`osv-schema/docs/schema.md`, "id").
pub fn source_of_id(id: &str) -> String {
    let prefix = id.split_once('-').map_or(id, |(p, _)| p);
    if prefix.is_empty() {
        "osv".to_owned()
    } else {
        prefix.to_ascii_lowercase()
    }
}

/// Sniffs a document: YAML by file extension, otherwise by the first keys of the JSON object.
pub fn sniff(name: &str, bytes: &[u8]) -> Kind {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        return Kind::OsvYaml;
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        return Kind::OsvArray;
    }
    // Look at the head only: these keys are near the top in every producer's output, and a
    // full parse is what we are trying to avoid for the common OSV case.
    let head = &bytes[..bytes.len().min(4096)];
    let has = |needle: &str| head.windows(needle.len()).any(|w| w == needle.as_bytes());
    if has("\"NVD_CVE\"") || (has("\"resultsPerPage\"") && has("\"vulnerabilities\"")) {
        Kind::Nvd
    } else if has("\"CVE_RECORD\"") {
        Kind::Cve5
    } else if has("\"csaf_version\"") {
        Kind::Csaf
    } else {
        Kind::OsvJson
    }
}

/// Parses one OSV record from JSON bytes straight into the typed struct (no intermediate
/// tree: about twice as fast as `osv::from_json`); on error the document is read again as a
/// tree only to find the record id.
pub fn parse_osv_json(origin: &str, bytes: &[u8]) -> Result<Vulnerability, Rejection> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, Vulnerability>(&mut de) {
        Ok(v) => match de.end() {
            Ok(()) => Ok(v),
            Err(e) => Err(reject(
                origin,
                Some(v.id),
                None,
                format!("not valid JSON: {e}"),
            )),
        },
        Err(e) if e.inner().is_syntax() || e.inner().is_eof() => Err(reject(
            origin,
            None,
            None,
            format!("not valid JSON: {}", e.inner()),
        )),
        Err(e) => {
            let id = serde_json::from_slice::<Value>(bytes)
                .ok()
                .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_owned));
            Err(reject(
                origin,
                id,
                Some(e.path().to_string()),
                e.inner().to_string(),
            ))
        }
    }
}

/// Reads every record of a document. `source` overrides the per-id source database.
pub fn decode(origin: &str, bytes: &[u8], source: Option<&str>) -> Vec<Result<Parsed, Rejection>> {
    let filed = |v: Vulnerability| Parsed {
        source: source.map_or_else(|| source_of_id(&v.id), str::to_owned),
        vuln: v,
    };
    match sniff(origin, bytes) {
        Kind::OsvJson => vec![parse_osv_json(origin, bytes).map(filed)],
        Kind::OsvYaml => {
            let text = match std::str::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    return vec![Err(reject(origin, None, None, format!("not UTF-8: {e}")))];
                }
            };
            vec![
                osv::from_yaml(text)
                    .map(filed)
                    .map_err(|e| from_osv_error(origin, e)),
            ]
        }
        Kind::OsvArray => match serde_json::from_slice::<Vec<Value>>(bytes) {
            Ok(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    osv::from_value(item).map(filed).map_err(|e| {
                        let mut r = from_osv_error(origin, e);
                        r.path = Some(format!("[{i}].{}", r.path.as_deref().unwrap_or("")));
                        r
                    })
                })
                .collect(),
            Err(e) => vec![Err(reject(
                origin,
                None,
                None,
                format!("not valid JSON: {e}"),
            ))],
        },
        Kind::Nvd | Kind::Cve5 | Kind::Csaf => crate::convert::convert(origin, bytes, source)
            .into_iter()
            .map(|r| r.map(|(src, vuln)| Parsed { source: src, vuln }))
            .collect(),
    }
}

/// Canonical bytes of a record: its OSV JSON as Embargo serialises it (field order of the wire
/// structs, no insignificant whitespace), so the same record read from YAML, pretty JSON or
/// compact JSON has one digest.
pub fn canonical(v: &Vulnerability) -> Result<(String, String), serde_json::Error> {
    let body = serde_json::to_string(v)?;
    let digest = hex::encode(Sha256::digest(body.as_bytes()));
    Ok((body, digest))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn sources_come_from_id_prefixes() {
        assert_eq!(source_of_id("PYSEC-2021-1"), "pysec");
        assert_eq!(source_of_id("GHSA-aaaa-bbbb-cccc"), "ghsa");
        assert_eq!(source_of_id("GO-2022-0001"), "go");
        assert_eq!(source_of_id("nodash"), "nodash");
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff("a.yaml", b"id: X"), Kind::OsvYaml);
        assert_eq!(sniff("a.json", b" [ {}]"), Kind::OsvArray);
        assert_eq!(
            sniff("a.json", br#"{"id":"X","modified":"m"}"#),
            Kind::OsvJson
        );
        assert_eq!(
            sniff(
                "p.json",
                br#"{"resultsPerPage":1,"format":"NVD_CVE","vulnerabilities":[]}"#
            ),
            Kind::Nvd
        );
        assert_eq!(sniff("c.json", br#"{"dataType":"CVE_RECORD"}"#), Kind::Cve5);
        assert_eq!(
            sniff("c.json", br#"{"document":{"csaf_version":"2.0"}}"#),
            Kind::Csaf
        );
    }

    #[test]
    fn bad_records_name_id_and_path() {
        let r = decode(
            "x.json",
            br#"{"id":"TEST-1","modified":"2024-01-01T00:00:00Z","affected":[{"ranges":[{"type":"SEMVER","events":[{"fixed":1}]}]}]}"#,
            None,
        );
        let e = r[0].as_ref().unwrap_err();
        assert_eq!(e.id.as_deref(), Some("TEST-1"));
        assert_eq!(
            e.path.as_deref(),
            Some("affected[0].ranges[0].events[0].fixed")
        );
        let r = decode("y.json", br#"{"id":"TEST-2","#, None);
        let e = r[0].as_ref().unwrap_err();
        assert!(e.message.starts_with("not valid JSON"), "{e}");
        assert_eq!(e.to_string().split(':').next(), Some("y.json"));
    }

    #[test]
    fn yaml_and_json_share_a_digest() {
        let json = br#"{ "id": "X-1", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-1"] }"#;
        let yaml = b"id: X-1\nmodified: '2024-01-01T00:00:00Z'\naliases: [CVE-1]\n";
        let a = decode("a.json", json, None).remove(0).unwrap();
        let b = decode("a.yaml", yaml, None).remove(0).unwrap();
        assert_eq!(a.source, "x");
        assert_eq!(canonical(&a.vuln).unwrap(), canonical(&b.vuln).unwrap());
    }
}
