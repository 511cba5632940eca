-- The engine's own schema: runs, per-rule and per-batch results, and legal holds.
-- Applied by `retention migrate` in one transaction; never edit an applied migration,
-- add a new numbered file instead.

CREATE SCHEMA IF NOT EXISTS retention;

-- One row per executed run (dry runs write nothing to the database).
CREATE TABLE retention.runs (
    run_id          uuid PRIMARY KEY,
    policy          text NOT NULL,
    policy_sha256   text NOT NULL,
    as_of           timestamptz NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at     timestamptz,
    status          text NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
    report_sha256   text,
    host            text,
    pid             integer
);
CREATE INDEX runs_policy_started_idx ON retention.runs (policy, started_at);

-- The outcome of each rule of a run, written when the rule ends.
CREATE TABLE retention.rule_results (
    run_id          uuid NOT NULL REFERENCES retention.runs ON DELETE CASCADE,
    rule            text NOT NULL,
    category        text,
    basis           text,
    table_name      text,
    action          text NOT NULL,
    cutoff          timestamptz,
    matched         bigint NOT NULL DEFAULT 0,
    affected        bigint NOT NULL DEFAULT 0,
    held_back       bigint NOT NULL DEFAULT 0,
    blocked         bigint NOT NULL DEFAULT 0,
    skipped         bigint NOT NULL DEFAULT 0,
    batches         integer NOT NULL DEFAULT 0,
    duration_ms     bigint NOT NULL DEFAULT 0,
    status          text NOT NULL CHECK (status IN ('ok', 'failed', 'skipped', 'interrupted')),
    error           text,
    details         jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, rule)
);

-- Per-tenant outcome of each rule of a run (rules with a tenantColumn).
CREATE TABLE retention.rule_tenant_results (
    run_id          uuid NOT NULL REFERENCES retention.runs ON DELETE CASCADE,
    rule            text NOT NULL,
    tenant          text NOT NULL,
    matched         bigint NOT NULL DEFAULT 0,
    affected        bigint NOT NULL DEFAULT 0,
    held_back       bigint NOT NULL DEFAULT 0,
    blocked         bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, rule, tenant)
);

-- Written in the same transaction as each batch, so the count of what was removed survives
-- a killed run exactly: a batch and its record commit together or not at all.
CREATE TABLE retention.batch_results (
    run_id          uuid NOT NULL,
    rule            text NOT NULL,
    tenant          text,
    affected        bigint NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX batch_results_run_rule_idx ON retention.batch_results (run_id, rule);

-- Legal holds: an audit record, never deleted; a release sets released_at.
CREATE TABLE retention.legal_holds (
    hold_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant          text NOT NULL,
    rule            text,
    reason          text NOT NULL CHECK (btrim(reason) <> ''),
    placed_by       text NOT NULL DEFAULT current_user,
    placed_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    released_by     text,
    released_at     timestamptz,
    CHECK ((released_at IS NULL) = (released_by IS NULL))
);
CREATE INDEX legal_holds_active_idx ON retention.legal_holds (tenant) WHERE released_at IS NULL;
