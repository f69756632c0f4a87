//! Embargo's vulnerability feed: ingest OSV (JSON, YAML, directories, osv.dev `all.zip`),
//! NVD CVE API 2.0 pages, CVE JSON 5 records and CSAF 2.0 documents; merge records by alias
//! with provenance; answer "which advisories affect this purl and version". Usable from the CLI
//! without the server; the server calls the same functions.
//!
//! * [`ingest`] — streaming, incremental ingest into `embargo_store::feed`;
//! * [`merge`] — the alias graph and the merged view (rule in `docs/FEED.md`);
//! * [`query`] — by id or alias, by purl or package, and the OSV API shapes;
//! * [`package`] — the package keys records are indexed under;
//! * [`snapshot`] — signed, deterministic exports (full and delta) and their verification;
//! * [`known`] — "already known?": feed records a new report may duplicate, with reasons;
//! * [`kit`] — the Offline Update Kit: a snapshot in a signed `tar.zst`, verified and imported;
//! * [`scan`] — an SBOM's components against the feed, with the SBOM's VEX applied;
//! * [`record`], [`reader`], [`convert`] — documents, inputs and non-OSV formats.

pub mod convert;
pub mod ingest;
pub mod kit;
pub mod known;
pub mod merge;
pub mod package;
pub mod query;
pub mod reader;
pub mod record;
pub mod scan;
pub mod snapshot;

pub use ingest::{IngestError, IngestOptions, Summary, ingest};
pub use merge::{AliasGraph, Merged};
pub use query::{
    ApiBatch, ApiBatchResponse, ApiQuery, ApiVulns, PackageAnswer, PackageQuery, QueryError,
    api_query, api_querybatch, by_id, by_package,
};
pub use scan::{Finding, ScanReport, scan};
