-- Legal holds on one person (GDPR Art. 18 restriction, a legal hold on one data subject): a hold
-- names either a tenant or a subject column of the policy's `subjects` map, never both. A hold on
-- a person keeps the person's rows from every rule and every erasure request until released.
--
-- It stores no identifier value: only the HMAC-SHA256 (under the pseudonym key, as the erasure
-- ledger) of each of the person's values when it was placed, and of each text the person's rows
-- held in the targets' match columns. A statement finds the held rows by computing the same HMAC
-- over a row's match columns.
ALTER TABLE retention.legal_holds ALTER COLUMN tenant DROP NOT NULL;
ALTER TABLE retention.legal_holds ADD COLUMN subject_column text;
ALTER TABLE retention.legal_holds
    ADD CONSTRAINT legal_holds_one_holder_check CHECK ((tenant IS NULL) <> (subject_column IS NULL)),
    ADD CONSTRAINT legal_holds_person_every_rule_check CHECK (subject_column IS NULL OR rule IS NULL);

-- subject_column: the subjects map's column whose values a row's match column is compared with.
CREATE TABLE retention.legal_hold_values (
    hold_id           bigint NOT NULL REFERENCES retention.legal_holds,
    subject_column    text NOT NULL,
    hmac              text NOT NULL,
    PRIMARY KEY (hold_id, subject_column, hmac)
);
