-- Migration 1: a store's named byte objects.
--
-- isa_objects holds authority.json (folder '', name 'authority.json'), the proposals
-- (folder 'proposals') and the approvals (folder 'approvals'); isa_history holds the declared
-- records, one row per sequence number. Bytes are kept exactly as written: the store's hashes
-- and signatures cover them.

CREATE TABLE isa_objects (
    folder text NOT NULL,
    name text NOT NULL,
    bytes bytea NOT NULL,
    PRIMARY KEY (folder, name),
    CONSTRAINT isa_objects_folder CHECK (
        (folder = '' AND name = 'authority.json') OR folder IN ('proposals', 'approvals')
    ),
    CONSTRAINT isa_objects_name CHECK (
        name <> '' AND name <> '.' AND name <> '..' AND strpos(name, '/') = 0
    )
);

-- The sequence is the primary key, so no two records can claim one number whatever a writer
-- does; the store's appends also insert only when the table holds exactly sequence - 1 rows.
CREATE TABLE isa_history (
    sequence bigint PRIMARY KEY CHECK (sequence >= 1),
    name text NOT NULL UNIQUE CHECK (
        name <> '' AND name <> '.' AND name <> '..' AND strpos(name, '/') = 0
    ),
    bytes bytea NOT NULL
);
