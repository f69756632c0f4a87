//! Non-OSV inputs (NVD CVE API 2.0 pages, CVE JSON 5 records, CSAF 2.0 documents) converted to
//! OSV records by the `embargo-formats` modules for each format. Formats whose converter has
//! not landed yet are rejected with a message saying so, never guessed at.

use embargo_formats::osv::Vulnerability;

use crate::record::{Kind, Rejection, sniff};

/// Every record of a non-OSV document, each filed under `source` or the format's own source.
pub fn convert(
    origin: &str,
    bytes: &[u8],
    _source: Option<&str>,
) -> Vec<Result<(String, Vulnerability), Rejection>> {
    let format = match sniff(origin, bytes) {
        Kind::Nvd => "NVD CVE API 2.0",
        Kind::Cve5 => "CVE JSON 5",
        Kind::Csaf => "CSAF 2.0",
        _ => "this",
    };
    vec![Err(Rejection {
        origin: origin.to_owned(),
        id: None,
        path: None,
        message: format!("{format} input is not supported yet"),
    })]
}
