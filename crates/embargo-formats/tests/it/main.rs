//! Integration tests of embargo-formats (one binary, one module per format).

mod atom;
mod csaf;
mod cve5;
mod cve5_ingest;
mod exports;
mod mail;
mod nvd;
mod osv;
mod policy;
mod sbom;
mod schema;
