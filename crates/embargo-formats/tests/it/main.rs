//! Integration tests of embargo-formats (one binary, one module per format).

mod mail;
mod schema;
mod osv;
mod policy;
