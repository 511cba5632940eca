-- A partition removal's record belongs to the table it was detached from, not to the names of the
-- policy and rule that detached it: any run of a rule on that table finishes it, after proving
-- again, under the lock that the drop or the move takes, that the table is still the one detached
-- (partition_oid), still detached, and holds the rows counted. A table that fails that proof is
-- left as it is ('left', with the reason in note) and reported by validate and every run while it
-- stays outside its table. archived_name: where a "detach" rule moved it, schema-qualified.

ALTER TABLE retention.partition_removals
    ADD COLUMN partition_oid oid,
    ADD COLUMN table_name text,
    ADD COLUMN table_oid oid,
    ADD COLUMN archived_name text,
    ADD COLUMN note text;

ALTER TABLE retention.partition_removals DROP CONSTRAINT partition_removals_state_check;
ALTER TABLE retention.partition_removals
    ADD CONSTRAINT partition_removals_state_check CHECK (state IN ('detached', 'finished', 'left'));

-- Records written before: the table is the root of the parent recorded; an unfinished partition
-- is the table of its name now (the next run proves it still detached and counts it again); an
-- archived one is its name in retention_archive.
UPDATE retention.partition_removals r
SET table_oid = t.oid, table_name = format('%I.%I', n.nspname, t.relname)
FROM pg_catalog.pg_class t JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
WHERE t.oid = coalesce(pg_catalog.pg_partition_root(pg_catalog.to_regclass(r.parent_name)), pg_catalog.to_regclass(r.parent_name));

UPDATE retention.partition_removals
SET partition_oid = pg_catalog.to_regclass(partition_name)
WHERE state = 'detached';

UPDATE retention.partition_removals
SET archived_name = format('retention_archive.%I', (pg_catalog.parse_ident(partition_name))[array_upper(pg_catalog.parse_ident(partition_name), 1)])
WHERE state = 'finished' AND removal = 'detached';

UPDATE retention.partition_removals
SET partition_oid = pg_catalog.to_regclass(archived_name)
WHERE archived_name IS NOT NULL;

DROP INDEX retention.partition_removals_unfinished_idx;
CREATE INDEX partition_removals_table_idx ON retention.partition_removals (table_oid) WHERE state <> 'finished';
