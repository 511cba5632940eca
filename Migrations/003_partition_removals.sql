-- Partitions that rules with "partitions": "drop" or "detach" removed whole. A row is written in
-- the transaction that detaches the partition (with its exact row count), and marked finished in
-- the one that drops it or moves it to schema retention_archive: a run killed in between leaves
-- a 'detached' row, and the next run of the rule finishes that partition.

CREATE TABLE retention.partition_removals (
    run_id          uuid NOT NULL,
    policy          text NOT NULL,
    rule            text NOT NULL,
    partition_name  text NOT NULL,
    parent_name     text NOT NULL,
    rows            bigint NOT NULL,
    removal         text NOT NULL CHECK (removal IN ('dropped', 'detached')),
    state           text NOT NULL CHECK (state IN ('detached', 'finished')),
    detached_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at     timestamptz,
    PRIMARY KEY (run_id, partition_name)
);
CREATE INDEX partition_removals_unfinished_idx ON retention.partition_removals (policy, rule) WHERE state = 'detached';

-- Where "detach" rules move the partitions they detach.
CREATE SCHEMA IF NOT EXISTS retention_archive;
