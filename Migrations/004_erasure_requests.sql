-- Data subjects' erasure requests (policy `subjects`, `retention request ...`). A request holds
-- the value the person was named by only while it is open: once it is done or cancelled the
-- value is replaced by its HMAC-SHA256 under the pseudonym key, and the values resolved from
-- it are deleted, so the engine keeps no personal data about a request it has answered.

CREATE TABLE retention.erasure_requests (
    request_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    policy            text NOT NULL,
    reference         text,
    subject_column    text NOT NULL,
    subject_value     text,
    subject_hmac      text,
    categories        text[] NOT NULL DEFAULT '{}',
    received_at       timestamptz NOT NULL,
    deadline          timestamptz NOT NULL,
    status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    -- Why an open request is still open (rows held or blocked), as counts; never values.
    open_reason       text,
    resolved_at       timestamptz,
    extended          boolean NOT NULL DEFAULT false,
    completed_at      timestamptz,
    CHECK ((status = 'open') = (subject_value IS NOT NULL)),
    CHECK ((status = 'open') = (subject_hmac IS NULL)),
    CHECK ((status = 'open') = (completed_at IS NULL))
);
CREATE INDEX erasure_requests_open_idx ON retention.erasure_requests (request_id) WHERE status = 'open';

-- Every change of a request, with who and when: an audit record, never deleted.
CREATE TABLE retention.erasure_request_events (
    event_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id        bigint NOT NULL REFERENCES retention.erasure_requests,
    event             text NOT NULL CHECK (event IN ('added', 'extended', 'cancelled', 'done')),
    reason            text,
    acted_by          text NOT NULL DEFAULT current_user,
    acted_at          timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX erasure_request_events_request_idx ON retention.erasure_request_events (request_id);

-- The person's values, resolved when the request is first processed and deleted when it is
-- done or cancelled: a resumed request finds the same rows although its subject row changed.
CREATE TABLE retention.erasure_request_values (
    request_id        bigint NOT NULL REFERENCES retention.erasure_requests,
    subject_column    text NOT NULL,
    value             text NOT NULL,
    PRIMARY KEY (request_id, subject_column, value)
);

-- Written in the same transaction as each batch of a request's target.
CREATE TABLE retention.request_batch_results (
    run_id            uuid NOT NULL,
    request_id        bigint NOT NULL,
    target            text NOT NULL,
    affected          bigint NOT NULL,
    recorded_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX request_batch_results_request_idx ON retention.request_batch_results (request_id, target);

-- Each target's outcome for a request in a run: counts, the basis and until when rows are kept.
CREATE TABLE retention.request_target_results (
    run_id            uuid NOT NULL,
    request_id        bigint NOT NULL,
    target            text NOT NULL,
    category          text NOT NULL,
    basis             text,
    action            text NOT NULL,
    matched           bigint NOT NULL,
    affected          bigint NOT NULL,
    kept              bigint NOT NULL,
    held_back         bigint NOT NULL,
    blocked           bigint NOT NULL,
    kept_until        text,
    details           jsonb NOT NULL DEFAULT '{}',
    recorded_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (run_id, request_id, target)
);
