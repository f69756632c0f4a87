//! The one integration-test binary of `embargo-domain` (DESIGN.md, convention 7).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod purl;
mod version;
