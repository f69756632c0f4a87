//! Integration tests of embargo-formats (one binary, one module per format).

mod exports;
mod mail;
mod osv;
mod policy;
mod schema;
