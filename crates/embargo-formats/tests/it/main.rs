//! Integration tests of embargo-formats (one binary, one module per format).

mod osv;
mod policy;
