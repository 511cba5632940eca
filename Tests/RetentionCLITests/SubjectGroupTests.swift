import Foundation
import Testing
import TestSupport

/// 300 people more, each with their own number of rows: 1 to 7 comments (in their org, the
/// tenant), 0 to 3 check-ins, 1 to 3 audit rows, a marketing contact for every other one; users
/// 1291 and 1292 share an e-mail.
private let bulkSQL = """
    INSERT INTO users SELECT u, 1 + u % 5, 'bulk' || u || '@example.com', 'Bulk ' || u, NULL FROM generate_series(1001, 1300) u;
    UPDATE users SET email = 'pair@example.com' WHERE id IN (1291, 1292);
    INSERT INTO comments SELECT u * 10 + k, 1 + u % 5, u, 'bulk comment' FROM generate_series(1001, 1300) u, generate_series(1, 8) k WHERE k <= 1 + u % 7;
    INSERT INTO checkins SELECT u * 10 + k, u, 'bulk checkin' FROM generate_series(1001, 1300) u, generate_series(1, 8) k WHERE k <= u % 4;
    INSERT INTO audit_rows SELECT u * 10 + k, u, 'bulk action' FROM generate_series(1001, 1300) u, generate_series(1, 8) k WHERE k <= 1 + u % 3;
    INSERT INTO marketing_contacts SELECT id, email, name FROM users WHERE id BETWEEN 1001 AND 1300 AND id % 2 = 0;
    """

/// The requests, in the order filed: (subject column, value, categories).
private let requests: [(String, String, String)] = {
    var list = [("email", "user9@example.com", "{}")]
    list += (1001...1240).map { ("email", "bulk\($0)@example.com", "{}") }
    // The same people again, by key, some in the same group as their first request, some later.
    list += (1221...1240).map { ("id", "\($0)", "{}") }
    list += [("id", "1291", "{}"), ("email", "pair@example.com", "{}"), ("email", "ghost@example.com", "{}"), ("id", "999999", "{}"),
             ("email", "bulk1250@example.com", "{Marketing}"), ("id", "9", "{}"), ("email", "shared@example.com", "{}")]
    list += (1251...1280).map { ("email", "bulk\($0)@example.com", "{}") }
    list += [("id", "1300", "{}"), ("email", "bulk1299@example.com", "{}")]
    return list
}()

/// Plain SQL, before the run: each request's values (a value of the person's user rows that a
/// user row outside them also holds is ambiguous, and finds nothing), every row of every target
/// that matches them (held: a comment of the held org 5; kept: an invoice, or a payment method
/// an invoice references), and per request and target the rows it erases (those no earlier
/// request erases), holds back and keeps; and the requests that find a row only through an
/// ambiguous value that another request erases (open until then, so open or done after the
/// first run depending on the groups, done after the second).
private let oracleSQL = """
    CREATE SCHEMA oracle;
    CREATE TABLE oracle.persons AS SELECT q.request_id, u.id FROM retention.erasure_requests q
        JOIN users u ON CASE q.subject_column WHEN 'id' THEN u.id::text = q.subject_value ELSE u.email = q.subject_value END;
    CREATE TABLE oracle.all_vals AS
        SELECT q.request_id, q.subject_column AS col, q.subject_value AS value, false AS ambiguous FROM retention.erasure_requests q
        UNION SELECT p.request_id, x.col, x.value,
                     EXISTS (SELECT 1 FROM users o WHERE CASE x.col WHEN 'id' THEN o.id::text = x.value ELSE o.email = x.value END
                             AND o.id NOT IN (SELECT p2.id FROM oracle.persons p2 WHERE p2.request_id = p.request_id))
            FROM oracle.persons p JOIN users u ON u.id = p.id CROSS JOIN LATERAL (VALUES ('id', u.id::text), ('email', u.email)) x(col, value);
    CREATE TABLE oracle.vals AS SELECT request_id, col, value FROM oracle.all_vals WHERE NOT ambiguous;
    CREATE TABLE oracle.hits AS
        SELECT h.* FROM (
            SELECT v.request_id, 'user-comments' AS target, 'Content data' AS category, c.id AS row_id, c.org_id = 5 AS held, false AS kept
                FROM oracle.vals v JOIN comments c ON v.col = 'id' AND c.author_id::text = v.value
            UNION SELECT v.request_id, 'user-checkins', 'Content data', k.id, false, false FROM oracle.vals v JOIN checkins k ON v.col = 'id' AND k.user_id::text = v.value
            UNION SELECT v.request_id, 'user-audit', 'Usage and log data', a.id, false, false FROM oracle.vals v JOIN audit_rows a ON v.col = 'id' AND a.actor_id::text = v.value
            UNION SELECT v.request_id, 'payment-methods', 'Billing data', p.id, false, EXISTS (SELECT 1 FROM invoices i WHERE i.payment_method_id = p.id)
                FROM oracle.vals v JOIN payment_methods p ON v.col = 'id' AND p.user_id::text = v.value
            UNION SELECT v.request_id, 'user-invoices', 'Billing data', i.id, false, true FROM oracle.vals v JOIN invoices i ON v.col = 'id' AND i.owner_user_id::text = v.value
            UNION SELECT v.request_id, 'newsletter', 'Marketing', m.id, false, false FROM oracle.vals v JOIN marketing_contacts m ON v.col = 'email' AND m.email = v.value
            UNION SELECT v.request_id, 'user-account', 'Account and profile data', u.id, false, false FROM oracle.vals v JOIN users u ON v.col = 'id' AND u.id::text = v.value
        ) h JOIN retention.erasure_requests q USING (request_id) WHERE q.categories = '{}' OR h.category = ANY (q.categories);
    CREATE TABLE oracle.expected AS
        SELECT request_id, target, count(*) FILTER (WHERE NOT held AND NOT kept AND request_id = first) AS affected,
               count(*) FILTER (WHERE held) AS held_back, count(*) FILTER (WHERE kept) AS kept,
               count(*) FILTER (WHERE held AND request_id = first_held) AS affected_after_release
        FROM (SELECT h.*, min(request_id) FILTER (WHERE NOT held AND NOT kept) OVER (PARTITION BY target, row_id) AS first,
                     min(request_id) FILTER (WHERE held) OVER (PARTITION BY target, row_id) AS first_held FROM oracle.hits h) x
        GROUP BY request_id, target;
    CREATE TABLE oracle.ambiguous_requests AS
        SELECT DISTINCT v.request_id FROM oracle.all_vals v JOIN marketing_contacts m ON v.col = 'email' AND v.ambiguous AND m.email = v.value
        JOIN retention.erasure_requests q USING (request_id) WHERE (q.categories = '{}' OR 'Marketing' = ANY (q.categories))
        AND NOT EXISTS (SELECT 1 FROM oracle.hits h WHERE h.request_id = v.request_id AND h.target = 'newsletter' AND h.row_id = m.id)
        AND EXISTS (SELECT 1 FROM oracle.hits h WHERE h.target = 'newsletter' AND h.row_id = m.id);
    """

/// Every row the requests must leave as it is: not the people's, or held, or kept.
private let untouched = """
    (SELECT 'c' || t::text AS r FROM comments t WHERE id NOT IN (SELECT row_id FROM oracle.hits WHERE target = 'user-comments' AND NOT held)
     UNION ALL SELECT 'k' || t::text FROM checkins t WHERE id NOT IN (SELECT row_id FROM oracle.hits WHERE target = 'user-checkins')
     UNION ALL SELECT 'a' || t::text FROM audit_rows t WHERE id NOT IN (SELECT row_id FROM oracle.hits WHERE target = 'user-audit')
     UNION ALL SELECT 'p' || t::text FROM payment_methods t WHERE id NOT IN (SELECT row_id FROM oracle.hits WHERE target = 'payment-methods' AND NOT kept)
     UNION ALL SELECT 'i' || t::text FROM invoices t
     UNION ALL SELECT 'm' || t::text FROM marketing_contacts t WHERE id NOT IN (SELECT row_id FROM oracle.hits WHERE target = 'newsletter')
     UNION ALL SELECT 'u' || t::text FROM users t WHERE id NOT IN (SELECT row_id FROM oracle.hits WHERE target = 'user-account'))
    """

@Suite("Erasure requests processed in groups")
struct SubjectGroupTests {
    @Test("300 requests in one run, with people asked for twice, by key and by e-mail, a shared e-mail, people not found, a category, a held tenant and batches of 37 rows: each request's counts per target are exactly what plain SQL computed before the run; after the release, the held rows go to the first request that holds them back")
    func manyRequests() throws {
        let fixture = try SubjectFixture.make("subjgroups", extraSQL: bulkSQL)
        defer { fixture.drop() }
        let db = fixture.database
        let values = requests.enumerated().map { "(\($0.offset), '\($0.element.0)', '\($0.element.1)', '\($0.element.2)'::text[])" }
        try db.connect().execute("""
            INSERT INTO retention.erasure_requests (policy, subject_column, subject_value, categories, received_at, deadline)
            SELECT 'subjects', r.col, r.value, r.categories, now(), now() + interval '1 month'
            FROM (VALUES \(values.joined(separator: ", "))) r(n, col, value, categories) ORDER BY r.n
            """)
        #expect(try fixture.retention(["hold", "add", "--tenant", "5", "--reason", "Case 2026-9", "--policy", fixture.policy]).status == 0)
        _ = try db.connect().executeScript(oracleSQL)
        let expected = try db.connect().execute("""
            SELECT q.request_id, e.target, e.affected, e.held_back, e.kept, e.affected_after_release
            FROM retention.erasure_requests q JOIN oracle.expected e USING (request_id)
            """).rows.map { (id: try $0.int64(0), target: try $0.text(1), affected: try $0.int64(2), heldBack: try $0.int64(3),
                             kept: try $0.int64(4), afterRelease: try $0.int64(5)) }
        #expect(Set(expected.map(\.id)).count > 280, "nearly every request finds someone")
        #expect(expected.contains { $0.heldBack > 0 } && expected.contains { $0.kept > 0 })
        #expect(expected.contains { $0.affected == 0 && $0.target == "user-comments" }, "some rows belong to an earlier request")
        let before = try db.checksum(untouched)

        let run = try fixture.run(["--batch-size", "37"])
        #expect(run.status == 0, "\(run.stderr)")
        let reported = try fixture.reportedRequests()
        #expect(reported.count == requests.count)
        for row in expected {
            let target = reported[row.id]?.targets[row.target]
            #expect(target?.int("affected") == row.affected, "request \(row.id) \(row.target): affected")
            #expect(target?.int("heldBack") == row.heldBack, "request \(row.id) \(row.target): heldBack")
            #expect(target?.int("kept") == row.kept, "request \(row.id) \(row.target): kept")
            #expect(target?.int("pending") == 0, "request \(row.id) \(row.target): pending")
            #expect(target?.int("matched") == row.affected + row.heldBack + row.kept, "request \(row.id) \(row.target): matched")
        }
        let held = Set(expected.filter { $0.heldBack > 0 }.map(\.id))
        let ambiguous = Set(try db.connect().execute("SELECT request_id FROM oracle.ambiguous_requests").rows.map { try $0.int64(0) })
        #expect(ambiguous.count == 1, "the request by key 1291 finds the newsletter row of pair@example.com only through a shared e-mail")
        for (id, request) in reported where !ambiguous.contains(id) {
            #expect(request.status == (held.contains(id) ? "open" : "done"), "request \(id)")
            let found = expected.filter { $0.id == id }
            #expect(request.targets.values.allSatisfy { target in found.contains { $0.target == target["name"] as? String } || target.int("matched") == 0 },
                    "request \(id): a target without rows of the person counts none")
        }
        #expect(try db.checksum(untouched) == before, "nothing but the people's rows changed")
        #expect(try db.count("SELECT count(*) FROM users WHERE id IN (SELECT row_id FROM oracle.hits WHERE target = 'user-account') AND (pseudonymised_at IS NULL OR name IS NOT NULL)") == 0)

        let hold = try db.connect().execute("SELECT hold_id FROM retention.legal_holds").requiredScalar()
        #expect(try fixture.retention(["hold", "release", hold]).status == 0)
        #expect(try fixture.run().status == 0)
        let released = try fixture.reportedRequests()
        #expect(Set(released.keys).subtracting(ambiguous) == held)
        for row in expected where held.contains(row.id) && row.target == "user-comments" {
            #expect(released[row.id]?.targets[row.target]?.int("affected") == row.afterRelease, "request \(row.id): held rows after the release")
        }
        #expect(try db.count("SELECT count(*) FROM comments WHERE id IN (SELECT row_id FROM oracle.hits WHERE target = 'user-comments')") == 0)
        #expect(try db.count("SELECT count(*) FROM retention.erasure_requests WHERE status <> 'done'") == 0)
        #expect(try db.count("SELECT count(*) FROM retention.erasure_request_values") == 0)
        #expect(try fixture.engineRowsContaining("bulk1224@example.com") == 0)
    }

    @Test("a request whose rows cannot be erased (a trigger refuses) fails alone: the other requests of its group are done, exactly")
    func oneFails() throws {
        let fixture = try SubjectFixture.make("subjgroupfail", extraSQL: """
            CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF OLD.author_id = 17 THEN RAISE EXCEPTION 'archived'; END IF; RETURN OLD; END $$;
            CREATE TRIGGER refuse BEFORE DELETE ON comments FOR EACH ROW EXECUTE FUNCTION refuse();
            """)
        defer { fixture.drop() }
        let db = fixture.database
        let comments = try (16...18).map { try db.count("SELECT count(*) FROM comments WHERE author_id = \($0)") }
        let audit = try (16...18).map { try db.count("SELECT count(*) FROM audit_rows WHERE actor_id = \($0)") }
        #expect(comments.allSatisfy { $0 > 0 } && audit.allSatisfy { $0 > 0 })
        let ids = try (16...18).map { try fixture.add("email=user\($0)@example.com") }
        let run = try fixture.run()
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        let reported = try fixture.reportedRequests()
        for (index, id) in ids.enumerated() {
            let request = reported[Int64(id)!]
            if index == 1 {
                #expect(request?.status == "open")
                #expect(try db.count("SELECT count(*) FROM comments WHERE author_id = 17") == comments[1])
                #expect(try db.count("SELECT count(*) FROM retention.erasure_requests WHERE request_id = $1::bigint AND status = 'open'", [id]) == 1)
            } else {
                #expect(request?.status == "done")
                #expect(request?.targets["user-comments"]?.int("affected") == comments[index])
                #expect(request?.targets["user-audit"]?.int("affected") == audit[index])
            }
        }
        let failed = (try fixture.engine.latestReport()["requests"] as? [[String: Any]] ?? []).filter { $0["outcome"] as? String == "failed" }
        #expect(failed.map { $0.int("id") } == [Int64(ids[1])!])
    }
}
