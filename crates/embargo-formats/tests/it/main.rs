//! Integration tests of embargo-formats (one binary, one module per format).

mod mail;
mod osv;
mod policy;
