-- Requests taken in from a privacy centre or a DSR platform (`request import`), with how the
-- person was verified.
--
-- verified_by, evidence: the method by which the person's identity was verified and a reference
-- to the evidence, which is kept elsewhere (never the evidence itself).
ALTER TABLE retention.erasure_requests ADD COLUMN verified_by text, ADD COLUMN evidence text;

-- A reference is filed once in the database, whatever the policy's name (`request import` and
-- `request add` look it up under a lock); by its digest, since a reference may be longer than a
-- btree entry holds.
CREATE INDEX erasure_requests_reference_idx ON retention.erasure_requests (md5(reference)) WHERE reference IS NOT NULL;
