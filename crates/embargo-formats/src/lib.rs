//! Wire formats of Embargo: parse and render OSV, CVE 5, CSAF, NVD, CycloneDX, SPDX,
//! security.txt and SECURITY.md, and parse incoming e-mail. Depends on the domain only; no I/O.

pub mod atom;
pub mod chart;
pub mod csaf;
pub mod cve5;
pub mod mail;
pub mod markdown;
pub mod nvd;
pub mod osv;
pub mod policy_html;
pub mod policy_json;
pub mod publisher;
pub mod sbom;
pub mod security_md;
pub mod security_txt;
