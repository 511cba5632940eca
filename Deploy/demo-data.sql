-- demo-data.sql: deterministic demo data for the OKRnest schema (Deploy/demo-schema.sql).
--     psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -q -v asof=2026-11-25T00:00:00Z -v scale=1 -f Deploy/demo-data.sql
-- asof  (default 2026-11-25T00:00:00Z): the reference instant; all dates are relative to it, so
--       run the engine with `--as-of` the same instant to get the same due rows every time.
-- scale (default 1, may be fractional, e.g. 0.05 for tests): 1 is about 1,000,000 rows:
--   organizations 200 (15% terminated within the last 3 years; #2 terminated 10 days before asof,
--   #3 45 days before), users 20,000 (one owner per organization, ~5% admins, ~5% removed),
--   objectives 20,000, key_results 50,000, check_ins 80,000, comments 30,000, audit_log 400,000
--   and analytics_events 400,000 over the last 24 months, monthly invoices of paying organizations
--   over up to 9 years (~9,000), marketing_contacts 20,000 (~30% unsubscribed).
-- Set-based (INSERT ... SELECT generate_series), one transaction, seeded with setseed(0.42): the
-- same asof and scale give the same rows on a fresh database. Every random() call is made in a
-- MATERIALIZED scan over generate_series, before any join, so the plan cannot change the data.
-- Refuses to run when the tables already hold rows.

\set ON_ERROR_STOP on
\if :{?asof}
\else
\set asof 2026-11-25T00:00:00Z
\endif
\if :{?scale}
\else
\set scale 1
\endif

SET client_min_messages = warning;
-- Calendar arithmetic below must not depend on the server's or the client's time zone.
SET TimeZone = 'UTC';

SELECT greatest(3, round(200 * s))::int AS n_org,
       greatest(20, round(20000 * s))::int AS n_users,
       greatest(10, round(20000 * s))::int AS n_obj,
       greatest(20, round(50000 * s))::int AS n_kr,
       greatest(20, round(80000 * s))::int AS n_checkin,
       greatest(10, round(30000 * s))::int AS n_comment,
       greatest(100, round(400000 * s))::int AS n_audit,
       greatest(100, round(400000 * s))::int AS n_event,
       greatest(10, round(20000 * s))::int AS n_contact
FROM (SELECT (:'scale')::numeric AS s) AS p \gset

BEGIN;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM organizations) OR EXISTS (SELECT 1 FROM users)
       OR EXISTS (SELECT 1 FROM audit_log) OR EXISTS (SELECT 1 FROM analytics_events)
       OR EXISTS (SELECT 1 FROM invoices) OR EXISTS (SELECT 1 FROM marketing_contacts) THEN
        RAISE EXCEPTION 'demo-data.sql: the OKRnest tables already hold rows; load into a fresh database';
    END IF;
END
$$;

SELECT setseed(0.42) \gset

CREATE TEMP TABLE demo_param ON COMMIT DROP AS
SELECT (:'asof')::timestamptz AS asof;

-- Picks an element of a text array with a random number in [0, 1).
CREATE FUNCTION pg_temp.pick(text[], float8) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT $1[1 + floor($2 * cardinality($1))::int] $$;
-- Lower-case ASCII form of a name, for e-mail addresses and domains.
CREATE FUNCTION pg_temp.ascii_slug(text, text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
    SELECT trim(both $2 FROM regexp_replace(translate(lower($1), 'åäöøæéèüïñçß', 'aaooaeeuincs'), '[^a-z0-9]+', $2, 'g'))
$$;

CREATE TEMP TABLE demo_pool ON COMMIT DROP AS
SELECT
    ARRAY['Anna', 'Erik', 'Maria', 'Lars', 'Karin', 'Johan', 'Sara', 'Anders', 'Emma', 'Per',
          'Elin', 'Nils', 'Ingrid', 'Oskar', 'Linnea', 'Mikael', 'Sofia', 'Jonas', 'Ida', 'Henrik',
          'Astrid', 'Björn', 'Maja', 'Gustav', 'Freja', 'Mats', 'Hanna', 'Ola', 'Klara', 'Tomas',
          'Aisha', 'David', 'Fatima', 'Lucas', 'Mei', 'Pedro', 'Noor', 'James', 'Priya', 'Jörg']
        AS first_names,
    ARRAY['Andersson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson', 'Olsson', 'Persson',
          'Svensson', 'Gustafsson', 'Pettersson', 'Jonsson', 'Lindqvist', 'Lindström', 'Berg', 'Holm',
          'Nyström', 'Sandberg', 'Åberg', 'Ekström', 'Sjöberg', 'Lund', 'Hansen', 'Virtanen',
          'Korhonen', 'Jensen', 'Müller', 'Schmidt', 'García', 'Rossi', 'Khan', 'Ali', 'Chen', 'Wang',
          'Novak', 'Kowalski', 'Smith', 'Brown', 'Dubois', 'Haddad']
        AS last_names,
    ARRAY['Nordlys', 'Fjäril', 'Granit', 'Skog', 'Polar', 'Kustlinje', 'Vinter', 'Ekorre', 'Bergslag',
          'Havsörn', 'Lodestar', 'Brightpath', 'Cobalt', 'Meridian', 'Harbor', 'Quartz', 'Summit',
          'Tidewater', 'Aurora', 'Birchwood', 'Copperleaf', 'Driftwood', 'Evergreen', 'Fjord',
          'Glacier', 'Highland', 'Ironbridge', 'Juniper', 'Kestrel', 'Lakeside', 'Moss', 'Northwind',
          'Oakridge', 'Pinecrest', 'Riverbend', 'Saltmarsh', 'Thornfield', 'Upland', 'Westbrook',
          'Yarrow']
        AS org_words,
    ARRAY['Consulting', 'Logistik', 'Health', 'Software', 'Bygg', 'Energy', 'Media', 'Finans',
          'Retail', 'Robotics', 'Foods', 'Design']
        AS org_sectors,
    ARRAY['AB', 'AB', 'AB', 'AS', 'Oy', 'ApS', 'GmbH', 'Ltd', 'Inc', 'BV']
        AS legal_forms,
    ARRAY['Increase customer satisfaction', 'Launch the new mobile app', 'Reduce churn',
          'Grow revenue in the Nordics', 'Become the best place to work', 'Improve onboarding',
          'Ship the self-service portal', 'Cut cloud costs', 'Raise product quality',
          'Expand into Germany', 'Build a data-driven sales process', 'Strengthen security posture',
          'Improve delivery predictability', 'Make support proactive', 'Grow the partner channel',
          'Reduce time to market', 'Modernise the billing platform', 'Increase trial conversion',
          'Improve employee engagement', 'Achieve ISO 27001 certification']
        AS objective_titles,
    ARRAY['Raise NPS from 32 to 45', 'Reach 10,000 weekly active users', 'Cut monthly churn to 1.5%',
          'Close 25 new enterprise deals', 'Reduce P1 incidents to zero', 'Ship 3 major releases',
          'Onboard 40 new partners', 'Reduce average response time to 2 hours',
          'Increase test coverage to 80%', 'Hire 6 engineers', 'Lower AWS spend by 20%',
          'Publish 12 customer case studies', 'Reach 99.95% uptime', 'Complete the SOC 2 audit',
          'Run 8 customer interviews per month', 'Increase MRR by 15%',
          'Automate 70% of deployments', 'Reduce onboarding time to 3 days',
          'Achieve eNPS above 40', 'Migrate all customers to the new plan']
        AS kr_titles,
    ARRAY['On track.', 'Slightly behind, recovering next sprint.', 'Blocked by vendor, escalated.',
          'Great progress this week!', 'Needs help from the platform team.',
          'Scope reduced after planning.', 'Ahead of plan.', 'Waiting for Q-end numbers.',
          'Confidence dropped, see comments.', 'Done, pending review.']
        AS notes,
    ARRAY['Nice work, team!', 'Can we break this down into smaller key results?',
          'I think the target is too ambitious for this quarter.', 'Let''s discuss this at Monday''s sync.',
          'Linked the dashboard in the description.', 'Should we align this with the sales OKRs?',
          'Updated the baseline numbers.', 'Who owns the follow-up here?',
          'Moving this to next quarter?', 'Great result, congratulations!',
          'Please add a check-in before the review.', 'The metric definition changed in March.']
        AS comment_bodies,
    ARRAY['login', 'login', 'login', 'login', 'logout', 'objective.create', 'objective.update',
          'objective.update', 'key_result.update', 'key_result.update', 'check_in.create',
          'check_in.create', 'comment.create', 'user.invite', 'user.role_change', 'export.csv',
          'settings.update', 'sso.configure', 'api_token.create', 'password.reset']
        AS audit_actions,
    ARRAY['page_view', 'page_view', 'page_view', 'page_view', 'dashboard_open', 'dashboard_open',
          'okr_edit', 'okr_edit', 'check_in_submit', 'check_in_submit', 'comment_post',
          'search', 'report_export', 'integration_sync']
        AS events,
    ARRAY['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Stark', 'Wayne',
          'Soylent', 'Tyrell', 'Cyberdyne', 'Wonka', 'Oscorp', 'Gringotts', 'Monarch', 'Nakatomi',
          'Dunder', 'Pied Piper', 'Massive Dynamic', 'Aperture']
        AS companies;

-- ---------------------------------------------------------------------------------------------
-- organizations
CREATE TEMP TABLE demo_org_gen ON COMMIT DROP AS
WITH g AS MATERIALIZED (
    SELECT i, random() AS r_plan, random() AS r_age, random() AS r_term, random() AS r_when,
           random() AS r_legal, random() AS r_cur
    FROM generate_series(1, :n_org) AS i
), named AS (
    SELECT g.*,
           p.org_words[1 + (((i - 1) * 173) % 480) % 40] || ' ' || p.org_sectors[1 + (((i - 1) * 173) % 480) / 40]
               || CASE WHEN i > 480 THEN ' ' || i ELSE '' END AS base,
           pg_temp.pick(p.legal_forms, r_legal) AS legal
    FROM g CROSS JOIN demo_pool AS p
), dated AS (
    SELECT n.*,
           CASE i WHEN 1 THEN d.asof - interval '3100 days'
                  WHEN 2 THEN d.asof - interval '1400 days'
                  WHEN 3 THEN d.asof - interval '2300 days'
                  ELSE d.asof - interval '30 days' - (interval '3257 days' * r_age) END AS created_at,
           d.asof
    FROM named AS n CROSS JOIN demo_param AS d
)
SELECT i,
       base || ' ' || legal AS name,
       domain,
       CASE WHEN i = 1 THEN 'enterprise'
            WHEN r_plan < 0.20 THEN 'free' WHEN r_plan < 0.60 THEN 'team'
            WHEN r_plan < 0.90 THEN 'business' ELSE 'enterprise' END AS plan,
       CASE WHEN r_cur < 0.50 THEN 'SEK' WHEN r_cur < 0.85 THEN 'EUR' ELSE 'USD' END AS currency,
       date_trunc('second', created_at) AS created_at,
       date_trunc('second',
           CASE WHEN i = 1 THEN NULL
                WHEN i = 2 THEN asof - interval '10 days'
                WHEN i = 3 THEN asof - interval '45 days'
                WHEN r_term < 0.15 THEN greatest(asof - interval '1095 days' * r_when,
                                                 created_at + (asof - created_at) / 2)
           END) AS terminated_at
FROM (SELECT dated.*, pg_temp.ascii_slug(base, '-') || '.example' AS domain FROM dated) AS x;

INSERT INTO organizations (name, plan, created_at, terminated_at)
SELECT name, plan, created_at, terminated_at FROM demo_org_gen ORDER BY i;

-- Generated rows are numbered 1..n in id order (the tables were empty), so rn = generation index.
CREATE TEMP TABLE demo_org ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY o.id)::int AS rn, o.id, o.created_at,
       coalesce(o.terminated_at, d.asof) AS end_at, o.plan, g.domain, g.currency
FROM organizations AS o
JOIN demo_org_gen AS g ON g.name = o.name
CROSS JOIN demo_param AS d;
CREATE UNIQUE INDEX ON demo_org (rn);
CREATE UNIQUE INDEX ON demo_org (id);

-- ---------------------------------------------------------------------------------------------
-- users: one owner per organization, then the rest spread unevenly (a few large customers).
WITH g AS MATERIALIZED (
    SELECT rn, random() AS r_first, random() AS r_last, random() AS r_ip, random() AS r_ipkind
    FROM generate_series(1, :n_org) AS rn
)
INSERT INTO users (organization_id, email, name, role, created_at, removed_at, last_login_ip)
SELECT o.id,
       pg_temp.ascii_slug(pg_temp.pick(p.first_names, r_first), '') || '.'
           || pg_temp.ascii_slug(pg_temp.pick(p.last_names, r_last), '') || '@' || o.domain,
       pg_temp.pick(p.first_names, r_first) || ' ' || pg_temp.pick(p.last_names, r_last),
       'owner', o.created_at, NULL,
       CASE WHEN r_ipkind < 0.90 THEN '1.0.0.0'::inet + floor(r_ip * 3690000000)::bigint
            ELSE '2001:db8::'::inet + floor(r_ip * 1099511627776)::bigint END
FROM g JOIN demo_org AS o USING (rn) CROSS JOIN demo_pool AS p
ORDER BY g.rn;

WITH g AS MATERIALIZED (
    SELECT i, random() AS r_org, random() AS r_first, random() AS r_last, random() AS r_created,
           random() AS r_removed, random() AS r_when, random() AS r_role, random() AS r_ip,
           random() AS r_ipkind
    FROM generate_series(1, :n_users - :n_org) AS i
), placed AS (
    SELECT g.*, least(:n_org, 1 + floor(:n_org * power(r_org, 1.6))::int) AS org_rn FROM g
), dated AS (
    SELECT pl.*, o.id AS organization_id, o.domain,
           o.created_at + (o.end_at - o.created_at) * r_created AS created_at, o.end_at
    FROM placed AS pl JOIN demo_org AS o ON o.rn = pl.org_rn
)
INSERT INTO users (organization_id, email, name, role, created_at, removed_at, last_login_ip)
SELECT organization_id,
       pg_temp.ascii_slug(pg_temp.pick(p.first_names, r_first), '') || '.'
           || pg_temp.ascii_slug(pg_temp.pick(p.last_names, r_last), '') || i || '@' || domain,
       pg_temp.pick(p.first_names, r_first) || ' ' || pg_temp.pick(p.last_names, r_last),
       CASE WHEN r_role < 0.05 THEN 'admin' ELSE 'user' END,
       date_trunc('second', created_at),
       CASE WHEN r_removed < 0.05
            THEN date_trunc('second', created_at + (end_at - created_at) * r_when) END,
       CASE WHEN r_ipkind < 0.85 THEN '1.0.0.0'::inet + floor(r_ip * 3690000000)::bigint
            WHEN r_ipkind < 0.95 THEN '2001:db8::'::inet + floor(r_ip * 1099511627776)::bigint END
FROM dated CROSS JOIN demo_pool AS p
ORDER BY i;

CREATE TEMP TABLE demo_user ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY u.id)::int AS rn, u.id, u.organization_id, u.created_at,
       least(coalesce(u.removed_at, o.end_at), o.end_at) AS end_at, u.last_login_ip,
       row_number() OVER (PARTITION BY u.organization_id ORDER BY u.id)::int AS k
FROM users AS u JOIN demo_org AS o ON o.id = u.organization_id;
CREATE UNIQUE INDEX ON demo_user (rn);
CREATE UNIQUE INDEX ON demo_user (organization_id, k);

CREATE TEMP TABLE demo_org_size ON COMMIT DROP AS
SELECT organization_id, count(*)::int AS n_users FROM demo_user GROUP BY organization_id;
CREATE UNIQUE INDEX ON demo_org_size (organization_id);

-- ---------------------------------------------------------------------------------------------
-- objectives: owned by a user of the organization, created while the user was there.
WITH g AS MATERIALIZED (
    SELECT i, random() AS r_user, random() AS r_when, random() AS r_title, random() AS r_orphan
    FROM generate_series(1, :n_obj) AS i
), dated AS (
    SELECT g.*, u.id AS user_id, u.organization_id,
           u.created_at + (u.end_at - u.created_at) * r_when AS created_at
    FROM g JOIN demo_user AS u ON u.rn = 1 + floor(r_user * :n_users)::int
)
INSERT INTO objectives (organization_id, owner_id, title, created_at)
SELECT organization_id,
       CASE WHEN r_orphan >= 0.02 THEN user_id END,
       pg_temp.pick(p.objective_titles, r_title) || ' (Q' || extract(quarter FROM created_at)
           || ' ' || extract(year FROM created_at) || ')',
       date_trunc('second', created_at)
FROM dated CROSS JOIN demo_pool AS p
ORDER BY i;

CREATE TEMP TABLE demo_objective ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY ob.id)::int AS rn, ob.id, ob.organization_id, ob.created_at,
       o.end_at
FROM objectives AS ob JOIN demo_org AS o ON o.id = ob.organization_id;
CREATE UNIQUE INDEX ON demo_objective (rn);

-- key_results: within two weeks of their objective.
WITH g AS MATERIALIZED (
    SELECT i, random() AS r_obj, random() AS r_when, random() AS r_title, random() AS r_target
    FROM generate_series(1, :n_kr) AS i
)
INSERT INTO key_results (objective_id, organization_id, title, target, created_at)
SELECT ob.id, ob.organization_id, pg_temp.pick(p.kr_titles, r_title),
       CASE WHEN r_target < 0.5 THEN 100 ELSE round((10 + r_target * 990)::numeric) END,
       date_trunc('second', ob.created_at + least(interval '14 days', ob.end_at - ob.created_at) * r_when)
FROM g JOIN demo_objective AS ob ON ob.rn = 1 + floor(r_obj * :n_obj)::int
CROSS JOIN demo_pool AS p
ORDER BY i;

CREATE TEMP TABLE demo_key_result ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY kr.id)::int AS rn, kr.id, kr.organization_id, kr.created_at,
       kr.target, o.end_at
FROM key_results AS kr JOIN demo_org AS o ON o.id = kr.organization_id;
CREATE UNIQUE INDEX ON demo_key_result (rn);

-- check_ins: by a user of the organization, within half a year of the key result.
WITH g AS MATERIALIZED (
    SELECT i, random() AS r_kr, random() AS r_user, random() AS r_nouser, random() AS r_when,
           random() AS r_value, random() AS r_note
    FROM generate_series(1, :n_checkin) AS i
), placed AS (
    SELECT g.*, kr.id AS key_result_id, kr.organization_id, kr.created_at AS kr_created_at,
           kr.end_at, kr.target, 1 + floor(r_user * s.n_users)::int AS user_k
    FROM g
    JOIN demo_key_result AS kr ON kr.rn = 1 + floor(r_kr * :n_kr)::int
    JOIN demo_org_size AS s ON s.organization_id = kr.organization_id
)
INSERT INTO check_ins (key_result_id, organization_id, user_id, value, note, created_at)
SELECT pl.key_result_id, pl.organization_id,
       CASE WHEN r_nouser >= 0.03 THEN u.id END,
       round((pl.target * r_value)::numeric, 2),
       CASE WHEN r_note < 0.4 THEN pg_temp.pick(p.notes, r_note / 0.4) END,
       date_trunc('second', pl.kr_created_at + least(interval '180 days', pl.end_at - pl.kr_created_at) * r_when)
FROM placed AS pl
JOIN demo_user AS u ON u.organization_id = pl.organization_id AND u.k = pl.user_k
CROSS JOIN demo_pool AS p
ORDER BY i;

-- comments: on objectives, by a user of the organization.
WITH g AS MATERIALIZED (
    SELECT i, random() AS r_obj, random() AS r_user, random() AS r_nouser, random() AS r_when,
           random() AS r_body
    FROM generate_series(1, :n_comment) AS i
), placed AS (
    SELECT g.*, ob.id AS objective_id, ob.organization_id, ob.created_at AS ob_created_at, ob.end_at,
           1 + floor(r_user * s.n_users)::int AS user_k
    FROM g
    JOIN demo_objective AS ob ON ob.rn = 1 + floor(r_obj * :n_obj)::int
    JOIN demo_org_size AS s ON s.organization_id = ob.organization_id
)
INSERT INTO comments (organization_id, objective_id, user_id, body, created_at)
SELECT pl.organization_id, pl.objective_id,
       CASE WHEN r_nouser >= 0.03 THEN u.id END,
       pg_temp.pick(p.comment_bodies, r_body),
       date_trunc('second', pl.ob_created_at + least(interval '120 days', pl.end_at - pl.ob_created_at) * r_when)
FROM placed AS pl
JOIN demo_user AS u ON u.organization_id = pl.organization_id AND u.k = pl.user_k
CROSS JOIN demo_pool AS p
ORDER BY i;

-- ---------------------------------------------------------------------------------------------
-- audit_log and analytics_events: the last 24 months, by users active at the time.
CREATE TEMP TABLE demo_active ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY u.id)::int AS rn, u.id, u.organization_id, u.last_login_ip,
       greatest(u.created_at, d.asof - interval '730 days') AS from_at, u.end_at
FROM demo_user AS u CROSS JOIN demo_param AS d
WHERE u.end_at > d.asof - interval '730 days' AND u.end_at > u.created_at;
CREATE UNIQUE INDEX ON demo_active (rn);
SELECT count(*)::int AS n_active FROM demo_active \gset

WITH g AS MATERIALIZED (
    SELECT i, random() AS r_user, random() AS r_system, random() AS r_when, random() AS r_action,
           random() AS r_ipkind, random() AS r_ip
    FROM generate_series(1, :n_audit) AS i
)
INSERT INTO audit_log (organization_id, user_id, action, ip, created_at)
SELECT a.organization_id,
       CASE WHEN r_system >= 0.05 THEN a.id END,
       CASE WHEN r_system >= 0.05 THEN pg_temp.pick(p.audit_actions, r_action)
            ELSE pg_temp.pick(ARRAY['billing.invoice_issued', 'integration.sync', 'plan.renewed'], r_action) END,
       CASE WHEN r_system < 0.05 THEN NULL
            WHEN r_ipkind < 0.7 THEN coalesce(a.last_login_ip, '1.0.0.0'::inet + floor(r_ip * 3690000000)::bigint)
            ELSE '1.0.0.0'::inet + floor(r_ip * 3690000000)::bigint END,
       a.from_at + (a.end_at - a.from_at) * r_when
FROM g JOIN demo_active AS a ON a.rn = 1 + floor(r_user * :n_active)::int
CROSS JOIN demo_pool AS p
ORDER BY i;

WITH g AS MATERIALIZED (
    SELECT i, random() AS r_user, random() AS r_anon, random() AS r_when, random() AS r_event,
           random() AS r_duration
    FROM generate_series(1, :n_event) AS i
)
INSERT INTO analytics_events (organization_id, user_id, event, occurred_at, duration_ms)
SELECT a.organization_id,
       CASE WHEN r_anon >= 0.08 THEN a.id END,
       pg_temp.pick(p.events, r_event),
       a.from_at + (a.end_at - a.from_at) * r_when,
       CASE WHEN r_duration >= 0.05 THEN (40 + floor(power(r_duration, 3) * 120000))::int END
FROM g JOIN demo_active AS a ON a.rn = 1 + floor(r_user * :n_active)::int
CROSS JOIN demo_pool AS p
ORDER BY i;

-- ---------------------------------------------------------------------------------------------
-- invoices: monthly, for paying organizations, from the month after sign-up until termination,
-- for at most the last 9 years. No random numbers: the amount follows plan and seats.
INSERT INTO invoices (organization_id, number, amount, currency, issued_at)
SELECT o.id,
       'INV-' || to_char(m, 'YYYYMM') || '-' || lpad(o.id::text, 5, '0'),
       round((CASE o.plan WHEN 'team' THEN 8 WHEN 'business' THEN 15 ELSE 30 END
              * greatest(5, s.n_users)
              * CASE o.currency WHEN 'SEK' THEN 10.5 ELSE 1 END)::numeric, 2),
       o.currency,
       m::date
FROM demo_org AS o
JOIN demo_org_size AS s ON s.organization_id = o.id
CROSS JOIN demo_param AS d
CROSS JOIN LATERAL generate_series(
    date_trunc('month', greatest(o.created_at, d.asof - interval '9 years')) + interval '1 month',
    o.end_at, interval '1 month') AS m
WHERE o.plan <> 'free'
ORDER BY o.id, m;

-- Each invoice names the organization's Owner (for erasure requests: kept under Bokföringslagen).
UPDATE invoices AS i SET owner_user_id = (SELECT min(u.id) FROM users AS u WHERE u.organization_id = i.organization_id AND u.role = 'owner');

-- ---------------------------------------------------------------------------------------------
-- marketing_contacts: newsletter sign-ups over 5 years, ~30% unsubscribed since.
WITH g AS MATERIALIZED (
    SELECT i, random() AS r_first, random() AS r_last, random() AS r_company, random() AS r_sub,
           random() AS r_unsub, random() AS r_when, random() AS r_noname, random() AS r_nocompany
    FROM generate_series(1, :n_contact) AS i
)
INSERT INTO marketing_contacts (email, name, company, subscribed_at, unsubscribed_at)
SELECT pg_temp.ascii_slug(pg_temp.pick(p.first_names, r_first), '') || '.'
           || pg_temp.ascii_slug(pg_temp.pick(p.last_names, r_last), '') || i || '@'
           || pg_temp.ascii_slug(pg_temp.pick(p.companies, r_company), '-') || '.example',
       CASE WHEN r_noname >= 0.10 THEN pg_temp.pick(p.first_names, r_first) || ' ' || pg_temp.pick(p.last_names, r_last) END,
       CASE WHEN r_nocompany >= 0.20 THEN pg_temp.pick(p.companies, r_company) END,
       date_trunc('second', d.asof - interval '1825 days' * r_sub),
       CASE WHEN r_unsub < 0.30
            THEN date_trunc('second', d.asof - (interval '1825 days' * r_sub) * (1 - r_when)) END
FROM g CROSS JOIN demo_pool AS p CROSS JOIN demo_param AS d
ORDER BY i;

-- Some people signed up twice with the same address (one of them may have unsubscribed).
UPDATE marketing_contacts AS c SET email = e.email
FROM marketing_contacts AS e
WHERE c.id % 50 = 0 AND e.id = c.id - 17;

COMMIT;

ANALYZE organizations, users, objectives, key_results, check_ins, comments, audit_log,
        analytics_events, analytics_daily, invoices, marketing_contacts;

SELECT t.name AS "table", t.n AS "rows"
FROM (VALUES
    (1, 'organizations', (SELECT count(*) FROM organizations)),
    (2, 'users', (SELECT count(*) FROM users)),
    (3, 'objectives', (SELECT count(*) FROM objectives)),
    (4, 'key_results', (SELECT count(*) FROM key_results)),
    (5, 'check_ins', (SELECT count(*) FROM check_ins)),
    (6, 'comments', (SELECT count(*) FROM comments)),
    (7, 'audit_log', (SELECT count(*) FROM audit_log)),
    (8, 'analytics_events', (SELECT count(*) FROM analytics_events)),
    (9, 'analytics_daily', (SELECT count(*) FROM analytics_daily)),
    (10, 'invoices', (SELECT count(*) FROM invoices)),
    (11, 'marketing_contacts', (SELECT count(*) FROM marketing_contacts))
) AS t (ord, name, n)
ORDER BY t.ord;
