-- Offline Update Kits imported into this feed (`embargo kit import`), newest last: the
-- installed snapshot is the last row. A delta kit must name it as its base; a kit older than
-- it (by build time or by the feed's high-water mark) is a rollback and is refused.

CREATE TABLE feed_installs (
    id {pk},
    -- sha256 of the snapshot's manifest.json.
    manifest_sha256 TEXT NOT NULL,
    -- `full` or `delta`.
    kind TEXT NOT NULL,
    -- The manifest's `high_water.updated_at` (RFC 3339), when the feed had records.
    high_water TEXT,
    -- When the kit was built (its signed provenance's `finishedOn`, RFC 3339).
    kit_built_at TEXT NOT NULL,
    -- sha256 of the kit file.
    kit_sha256 TEXT NOT NULL,
    installed_at {ts} NOT NULL
);
