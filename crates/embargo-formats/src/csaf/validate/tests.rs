//! Unit tests of the helpers the §6.1 tests share; the tests themselves are exercised, one
//! broken document per test, in `tests/it/csaf.rs`.

#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::{DocVersion, Tree, test_key, validate};

#[test]
fn versions_parse_as_integer_or_semantic() {
    assert!(matches!(DocVersion::parse("0"), Some(DocVersion::Int(0))));
    assert!(matches!(DocVersion::parse("12"), Some(DocVersion::Int(12))));
    assert!(DocVersion::parse("01").is_none());
    assert!(DocVersion::parse("").is_none());
    let v = DocVersion::parse("1.0.0-rc.1+b7").unwrap();
    assert!(v.is_prerelease());
    assert_eq!(v.major(), 1);
    assert!(!DocVersion::parse("2.1.0+b7").unwrap().is_prerelease());
}

#[test]
fn tests_sort_numerically() {
    assert!(test_key("6.1.27.10") > test_key("6.1.27.9"));
    assert!(test_key("6.1.10") > test_key("6.1.9"));
}

#[test]
fn groups_expand_to_their_products() {
    let doc = json!({ "product_tree": {
        "full_product_names": [{ "product_id": "A", "name": "a" }, { "product_id": "B", "name": "b" }],
        "product_groups": [{ "group_id": "G", "product_ids": ["A", "B"] }],
        "branches": [{ "category": "vendor", "name": "V", "branches": [
            { "category": "product_name", "name": "P", "product": { "product_id": "C", "name": "c" } }
        ] }]
    } });
    let t = Tree::of(&doc);
    assert_eq!(t.products.len(), 3);
    assert_eq!(
        t.products[0].path,
        "/product_tree/branches/0/branches/0/product"
    );
    assert_eq!(
        t.products[0].branches,
        vec![("vendor", "V"), ("product_name", "P")]
    );
    let item = json!({ "product_ids": ["C"], "group_ids": ["G"] });
    assert_eq!(t.expand(&item, "product_ids"), vec!["C", "A", "B"]);
}

#[test]
fn an_empty_object_has_nothing_to_fail() {
    // The schema, not §6.1, requires `document`; the tests read what is there.
    assert!(validate(&json!({})).is_empty());
}
