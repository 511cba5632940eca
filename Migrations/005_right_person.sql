-- Erasure requests: the right person, or nobody.
--
-- A person's values carry whether they are ambiguous: an identifier value that a subject row
-- outside the person's rows also holds (a family's phone, a shared mailbox). Target rows matched
-- only through such a value are counted, never erased or extracted. Values stored by earlier
-- versions that are empty or only whitespace were never the person's: they are removed.
ALTER TABLE retention.erasure_request_values ADD COLUMN ambiguous boolean NOT NULL DEFAULT false;
DELETE FROM retention.erasure_request_values WHERE value ~ '^[[:space:]\u00a0\u2000-\u200b\u3000\ufeff]*$';
-- A value may be long (a 1 MB identifier would not fit a btree entry): unique by its digest.
ALTER TABLE retention.erasure_request_values DROP CONSTRAINT erasure_request_values_pkey;
CREATE UNIQUE INDEX erasure_request_values_unique_idx ON retention.erasure_request_values (request_id, subject_column, md5(value));

-- The policy's time zone when the request was filed: `request extend` adds its two months there.
ALTER TABLE retention.erasure_requests ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';

-- Per target and run: the person's rows matched only through ambiguous values.
ALTER TABLE retention.request_target_results ADD COLUMN ambiguous bigint NOT NULL DEFAULT 0;

-- Rows a done request could not erase because rows kept by a legal obligation referenced them:
-- the target and the row's primary key (never the identifier). Every run erases those whose
-- keeping rows are gone, and then removes the follow-up.
CREATE TABLE retention.erasure_followups (
    request_id        bigint NOT NULL REFERENCES retention.erasure_requests,
    target            text NOT NULL,
    row_key           text[] NOT NULL,
    kept_until        text,
    created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (request_id, target, row_key)
);

-- Whether `value` reads back unchanged from type `type_name` (as format_type prints it, with its
-- modifier): read as the type, written out and read again as `base_name` (the type's base type
-- without modifier), it must equal the value read as that base type. A varchar(16) that would cut
-- the value, a numeric scale that would round it, a value an enum or a domain's check refuses:
-- false, without an error (so nothing of the value reaches the server log).
CREATE FUNCTION retention.reads_losslessly(value text, type_name text, base_name text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
    same boolean;
BEGIN
    IF to_regtype(type_name) IS NULL OR to_regtype(base_name) IS NULL THEN
        RAISE EXCEPTION 'retention.reads_losslessly: "%" or "%" is not a type', type_name, base_name;
    END IF;
    EXECUTE format('SELECT $1::%s::text::%s = $1::%s', type_name, base_name, base_name) INTO same USING value;
    RETURN coalesce(same, false);
EXCEPTION WHEN OTHERS THEN
    -- Whatever refuses the value (a cast, a domain's CHECK, a function that CHECK calls) says
    -- only that it names nobody: the error, which may quote the value, is never raised.
    RETURN false;
END
$$;
