import Foundation
import Testing
import TestSupport

/// A server error can quote the row it concerns; the engine passes on only what names objects.
@Suite("Server errors carry no personal data")
struct ServerErrorPrivacyTests {
    @Test("a trigger that raises with a row's e-mail fails the rule, exit 1; the e-mail is in no output, report or engine table, the SQLSTATE and table are",
          arguments: [("P0001", "error raised by a function or trigger"), ("23514", "error raised by a function or trigger")])
    func triggerMessageNotCopied(state: String, words: String) throws {
        let email = "anna.svensson@example.se"
        let fixture = try EngineFixture.make("privacy", schemaSQL: """
            CREATE TABLE members (id int PRIMARY KEY, email text NOT NULL, removed_at timestamptz);
            INSERT INTO members VALUES (1, '\(email)', '2025-01-01'), (2, 'kept@example.se', NULL);
            CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'refusing to delete row of %', old.email
                    USING ERRCODE = '\(state)', DETAIL = 'the row of ' || old.email || ' is special', HINT = 'ask ' || old.email;
            END $$;
            CREATE TRIGGER members_refuse BEFORE DELETE ON members FOR EACH ROW EXECUTE FUNCTION refuse_delete();
            """)
        defer { fixture.drop() }
        try fixture.writePolicy(#"{"policy": "p", "rules": [{"name": "removed", "table": "members", "due": {"after": "30 days", "from": "removed_at"}, "action": "delete"}]}"#)
        let result = try fixture.retention(["run", "--as-of", "2026-03-01T00:00:00Z"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM members") == 2)
        let rule = try fixture.ruleReport("removed")
        #expect(rule["status"] as? String == "failed")
        let stored = try fixture.database.connect().execute("SELECT coalesce(string_agg(r::text, ' '), '') FROM retention.rule_results r").requiredScalar()
        let reportDirectory = fixture.stateDirectory + "/reports"
        let reports = try FileManager.default.contentsOfDirectory(atPath: reportDirectory).map { name in
            String(decoding: FileManager.default.contents(atPath: reportDirectory + "/" + name) ?? Data(), as: UTF8.self)
        }
        #expect(!reports.isEmpty)
        for (place, text) in [("stdout", result.stdout), ("stderr", result.stderr), ("rule_results", stored)] + reports.map({ ("report", $0) }) {
            #expect(!text.contains(email), "\(place) holds the e-mail: \(text)")
        }
        let error = rule["error"] as? String ?? ""
        #expect(error.contains("\(words) (SQLSTATE \(state))"), "\(error)")
        #expect((rule["table"] as? String ?? "").contains("members"))
        #expect(stored.contains("SQLSTATE \(state)"), "\(stored)")
        #expect(result.stdout.contains("members") && result.stdout.contains("SQLSTATE \(state)"), "\(result.stdout)")
    }
}
