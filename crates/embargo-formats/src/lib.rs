//! Wire formats of Embargo: parse and render OSV, CVE 5, CSAF, NVD, CycloneDX, SPDX,
//! security.txt and SECURITY.md. Depends on the domain only; no I/O.
