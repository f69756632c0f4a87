-- The vulnerability feed: one row per record and source (OSV, GHSA, NVD, CVE 5, CSAF …
-- converted to OSV), with its provenance and content digest, plus two indexes that make the
-- questions the feed answers indexed lookups: aliases (merge by alias graph, query by id or
-- alias) and affected packages (query by purl or by OSV ecosystem and name).

CREATE TABLE feed_records (
    id {pk},
    -- Which database the record comes from (`pysec`, `ghsa`, `go`, `rustsec`, `nvd`, …).
    source TEXT NOT NULL,
    record_id TEXT NOT NULL,
    -- The record's own `modified` (RFC 3339 text, as the source wrote it).
    modified TEXT NOT NULL,
    -- The record's `withdrawn` time; withdrawn records are kept, marked.
    withdrawn TEXT,
    -- sha256 hex of the canonical OSV JSON (`body`): unchanged records are skipped on re-ingest.
    digest TEXT NOT NULL,
    -- The record as canonical OSV JSON.
    body TEXT NOT NULL,
    -- Where it was read from: a file path, `archive.zip!entry`, or a URL.
    origin TEXT NOT NULL,
    -- First seen, and last changed, by this instance.
    ingested_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    UNIQUE (source, record_id)
);
CREATE INDEX feed_records_id ON feed_records(record_id);
CREATE INDEX feed_records_updated ON feed_records(updated_at);

-- Every alias a record names (its `aliases[]`).
CREATE TABLE feed_aliases (
    record_pk BIGINT NOT NULL REFERENCES feed_records(id) ON DELETE CASCADE,
    alias TEXT NOT NULL,
    PRIMARY KEY (record_pk, alias)
);
CREATE INDEX feed_aliases_alias ON feed_aliases(alias);

-- Every package a record's `affected[]` names: the OSV ecosystem and name as written, and the
-- normalised package key (a purl without version, qualifiers and subpath, e.g.
-- `pkg:pypi/django`), which a purl query looks up.
CREATE TABLE feed_packages (
    record_pk BIGINT NOT NULL REFERENCES feed_records(id) ON DELETE CASCADE,
    package_key TEXT NOT NULL,
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (record_pk, package_key, ecosystem, name)
);
CREATE INDEX feed_packages_key ON feed_packages(package_key);
CREATE INDEX feed_packages_name ON feed_packages(ecosystem, name);
