//! Non-OSV inputs (NVD CVE API 2.0 pages, CVE JSON 5 records, CSAF 2.0 documents) converted to
//! OSV records by the `embargo-formats` module for each format.
//!
//! Sources, when `--source` does not name one: `nvd`, `cve5` (kept apart from osv.dev's own
//! `CVE-…` records, which are filed under `cve`), and `csaf-{publisher host}` so that two
//! vendors' CSAF statements about one CVE are two records that the merge compares.

use embargo_formats::csaf::ingest::{self as csaf, CsafIngestError};
use embargo_formats::cve5::ingest::{self as cve5, Cve5Error};
use embargo_formats::nvd::{self, NvdError};
use embargo_formats::osv::Vulnerability;
use serde_json::Value;

use crate::record::{Kind, Rejection, sniff};

/// Every record of a non-OSV document, each filed under `source` or the format's own source.
pub fn convert(
    origin: &str,
    bytes: &[u8],
    source: Option<&str>,
) -> Vec<Result<(String, Vulnerability), Rejection>> {
    let reject = |id: Option<String>, path: Option<String>, message: String| Rejection {
        origin: origin.to_owned(),
        id,
        path,
        message,
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => return vec![Err(reject(None, None, format!("not UTF-8: {e}")))],
    };
    let filed = |own: String| source.map_or(own, str::to_owned);
    match sniff(origin, bytes) {
        Kind::Nvd => match nvd::parse_page(text) {
            Ok(page) => {
                let src = filed("nvd".to_owned());
                let mut out: Vec<_> = page
                    .records
                    .into_iter()
                    .map(|v| Ok((src.clone(), v)))
                    .collect();
                out.extend(
                    page.errors
                        .into_iter()
                        .map(|e| Err(nvd_rejection(origin, e))),
                );
                out
            }
            Err(e) => vec![Err(nvd_rejection(origin, e))],
        },
        Kind::Cve5 => vec![
            cve5::from_json(text)
                .map(|v| (filed("cve5".to_owned()), v))
                .map_err(|e| match e {
                    Cve5Error::Json(e) => reject(None, None, format!("not valid JSON: {e}")),
                    Cve5Error::Schema { id, path, message } => {
                        reject(known(id), Some(path), message)
                    }
                }),
        ],
        Kind::Csaf => {
            let doc: Value = match serde_json::from_str(text) {
                Ok(d) => d,
                Err(e) => return vec![Err(reject(None, None, format!("not valid JSON: {e}")))],
            };
            let src = filed(csaf_source(&doc));
            match csaf::to_osv(&doc) {
                Ok(records) => records.into_iter().map(|v| Ok((src.clone(), v))).collect(),
                Err(CsafIngestError::Json(e)) => {
                    vec![Err(reject(None, None, format!("not valid JSON: {e}")))]
                }
                Err(CsafIngestError::Document {
                    document,
                    path,
                    message,
                }) => vec![Err(reject(known(document), Some(path), message))],
            }
        }
        Kind::OsvJson | Kind::OsvYaml | Kind::OsvArray => vec![Err(reject(
            None,
            None,
            "an OSV document reached the converter for other formats".to_owned(),
        ))],
    }
}

/// `None` for the placeholder the formats use when a document has no id.
fn known(id: String) -> Option<String> {
    (id != "<unknown id>").then_some(id)
}

fn nvd_rejection(origin: &str, e: NvdError) -> Rejection {
    let (id, path, message) = match e {
        NvdError::Record {
            id, path, message, ..
        } => (known(id), Some(path), message),
        NvdError::Page { path, message } => (None, Some(path), message),
        other => (None, None, other.to_string()),
    };
    Rejection {
        origin: origin.to_owned(),
        id,
        path,
        message,
    }
}

/// `csaf-{host}` from `/document/publisher/namespace` (a URL by the schema), else `csaf`.
fn csaf_source(doc: &Value) -> String {
    let host = doc
        .pointer("/document/publisher/namespace")
        .and_then(Value::as_str)
        .and_then(|ns| ns.split_once("://").map(|(_, rest)| rest))
        .map(|rest| rest.split(['/', ':', '?', '#']).next().unwrap_or(""))
        .map(str::to_ascii_lowercase)
        .filter(|h| !h.is_empty());
    host.map_or_else(|| "csaf".to_owned(), |h| format!("csaf-{h}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn csaf_sources_name_the_publisher() {
        let doc = json!({"document": {"publisher": {"namespace": "https://www.RedHat.com/x"}}});
        assert_eq!(csaf_source(&doc), "csaf-www.redhat.com");
        assert_eq!(csaf_source(&json!({})), "csaf");
    }

    #[test]
    fn bad_documents_are_rejected_with_their_place() {
        let nvd = br#"{"format":"NVD_CVE","version":"2.0","resultsPerPage":1,"startIndex":0,
            "totalResults":1,"timestamp":"2024-01-01T00:00:00.000",
            "vulnerabilities":[{"cve":{"id":"nope"}}]}"#;
        let out = convert("page.json", nvd, None);
        assert_eq!(out.len(), 1);
        let r = out[0].as_ref().unwrap_err();
        assert!(r.path.is_some(), "{r}");
        let csaf = br#"{"document":{"csaf_version":"2.0","tracking":{"id":"X-1"}}}"#;
        let r = convert("c.json", csaf, None).remove(0).unwrap_err();
        assert_eq!(r.id.as_deref(), Some("X-1"));
        assert_eq!(
            r.path.as_deref(),
            Some("/document/tracking/current_release_date")
        );
    }
}
