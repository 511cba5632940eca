-- The rules of each run as they were when it started: name, category, basis, action and the
-- action's details (which columns were pseudonymised, with which strategy). Written before the
-- first batch, so the compliance report can describe every batch, even of a killed run.

CREATE TABLE retention.run_rules (
    run_id          uuid NOT NULL REFERENCES retention.runs ON DELETE CASCADE,
    rule            text NOT NULL,
    category        text,
    basis           text,
    table_name      text,
    action          text NOT NULL,
    definition      jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, rule)
);
