import Foundation
import Testing
import TestSupport

/// `request import` and `request export`: many requests at once from a DSR platform's file, all
/// or none, each reference once; and the register, without any identifier.
@Suite("Erasure requests: import and the register")
struct RequestImportTests {
    /// A JSON line of a request for `users.id = n` by e-mail, reference `DSR-n`.
    private func line(_ n: Int, extra: String = "") -> String {
        #"{"subject": "email=user\#(n)@example.com", "reference": "DSR-\#(n)", "receivedAt": "2026-11-0\#(1 + n % 9)T10:00:00Z", "verifiedBy": "bankid", "evidence": "case \#(n)"\#(extra)}"#
    }

    @Test("four bad records among 40: a line each naming line and field, exit 2, nothing filed; mended: all filed in order; again: nothing filed twice")
    func wholeOrNothingAndIdempotent() throws {
        let fixture = try SubjectFixture.make("reqimport")
        defer { fixture.drop() }
        var lines = (1...40).map { line($0) }
        lines[4] = #"{"subject": "phone=123", "reference": "DSR-5"}"#                               // line 5: not a subject column
        lines[11] = line(12, extra: #", "colour": "blue""#)                                          // line 12: unknown field
        lines[29] = #"{"subject": "id=3.5", "reference": "DSR-30"}"#                                 // line 30: a bigint cannot hold it
        lines[35] = #"{"subject": "email=user36@example.com", "reference": "DSR-36\u0000"}"#         // line 36: JSON with a NUL, which no text holds
        let file = fixture.engine.directory + "/requests.jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let before = try fixture.checksums()
        let refused = try fixture.retention(["request", "import", "--policy", fixture.policy, file])
        #expect(refused.status == 2)
        let errors = refused.stderr.split(separator: "\n").map(String.init)
        #expect(errors.filter { $0.contains("line 5, field subject") }.count == 1, "\(refused.stderr)")
        #expect(errors.filter { $0.contains("line 12, field colour") }.count == 1, "\(refused.stderr)")
        #expect(errors.filter { $0.contains("line 30, field subject") && $0.contains("bigint") }.count == 1, "\(refused.stderr)")
        #expect(errors.filter { $0.contains("line 36, field (line)") && $0.contains("escape") }.count == 1, "\(refused.stderr)")
        #expect(errors.count == 5, "four records and the summary: \(refused.stderr)")
        #expect(try fixture.checksums() == before)

        lines[4] = line(5)
        lines[11] = line(12)
        lines[29] = #"{"subject": "id=30", "reference": "DSR-30", "categories": ["Marketing", "Content data"]}"#
        lines[35] = line(36)
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let filed = try fixture.retention(["request", "import", "--policy", fixture.policy, "--by", "dsr-bot", file])
        #expect(filed.status == 0, "\(filed.stderr)")
        let outcomes = filed.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(outcomes.count == 40)
        #expect(outcomes.allSatisfy { $0["status"] as? String == "filed" })
        #expect(outcomes.map { $0["reference"] as? String } == (1...40).map { "DSR-\($0)" })
        // What plain SQL says was filed: each line's person, reference, time, categories and verification.
        let rows = try fixture.database.connect().execute("""
            SELECT request_id, reference, subject_column, subject_value, to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   array_to_string(categories, ';'), coalesce(verified_by, ''), coalesce(evidence, ''),
                   deadline = received_at + interval '1 month'
            FROM retention.erasure_requests ORDER BY request_id
            """).rows
        #expect(rows.count == 40)
        for (index, row) in rows.enumerated() {
            let n = index + 1
            #expect(Int(row[0] ?? "") == outcomes[index]["id"] as? Int)
            #expect(row[1] == "DSR-\(n)")
            if n == 30 {
                #expect(row[2] == "id" && row[3] == "30" && row[5] == "Marketing;Content data" && row[6] == "")
            } else {
                #expect(row[2] == "email" && row[3] == "user\(n)@example.com")
                #expect(row[4] == "2026-11-0\(1 + n % 9)T10:00:00Z")
                #expect(row[6] == "bankid" && row[7] == "case \(n)")
            }
            #expect(row[8] == "t")
        }
        #expect(try fixture.database.count("SELECT count(*) FROM retention.erasure_request_events WHERE event = 'added' AND acted_by = 'dsr-bot'") == 40)

        let again = try fixture.retention(["request", "import", "--policy", fixture.policy, file])
        #expect(again.status == 0, "\(again.stderr)")
        let repeated = again.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(repeated.count == 40 && repeated.allSatisfy { $0["status"] as? String == "duplicate" })
        #expect(repeated.map { $0["id"] as? Int } == outcomes.map { $0["id"] as? Int })
        #expect(try fixture.database.count("SELECT count(*) FROM retention.erasure_requests") == 40)
        // The policy re-issued under a new name: its requests are the database's, the file still files nothing twice.
        let renamed = try fixture.engine.writePolicy(SubjectSchema.policy().replacingOccurrences(of: #""policy": "subjects""#, with: #""policy": "subjects-2027""#), name: "renamed.json")
        let underNewName = try fixture.retention(["request", "import", "--policy", renamed, file])
        #expect(underNewName.status == 0 && underNewName.stdout.components(separatedBy: "\"duplicate\"").count == 41, "\(underNewName.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM retention.erasure_requests") == 40)
        let add = try fixture.retention(["request", "add", "--policy", renamed, "--subject", "email=user1@example.com", "--reference", "DSR-1"])
        #expect(add.status == 2 && add.stderr.contains("filed already, as erasure request \(outcomes[0]["id"] as? Int ?? -1)"), "\(add.stderr)")
    }

    @Test("CSV with quotes, a comma and a line break in a field; a reference twice in one file, a time in the future and an empty subject are bad records")
    func csv() throws {
        let fixture = try SubjectFixture.make("reqimportcsv")
        defer { fixture.drop() }
        let file = fixture.engine.directory + "/requests.csv"
        let good = [
            "subject,reference,receivedAt,categories,verifiedBy,evidence",
            #"email=user1@example.com,"T-1, from ""web""",2026-11-02T08:00:00+01:00,Marketing;Content data,e-mail loop,"note"#,
            #"on two lines""#,
            "id=2,T-2,,,,",
            "",
        ].joined(separator: "\r\n")
        try good.write(toFile: file, atomically: true, encoding: .utf8)
        let filed = try fixture.retention(["request", "import", "--policy", fixture.policy, "--format", "csv", file])
        #expect(filed.status == 0, "\(filed.stderr)")
        let rows = try fixture.database.connect().execute("""
            SELECT reference, subject_value, received_at = timestamptz '2026-11-02 07:00:00+00', categories::text, verified_by, evidence
            FROM retention.erasure_requests ORDER BY request_id
            """).rows
        #expect(rows.count == 2)
        #expect(rows.first?[0] == "T-1, from \"web\"" && rows.first?[1] == "user1@example.com" && rows.first?[2] == "t")
        #expect(rows.first?[3] == "{Marketing,\"Content data\"}" && rows.first?[4] == "e-mail loop" && rows.first?[5] == "note\r\non two lines")
        #expect(rows.last?[0] == "T-2" && rows.last?[1] == "2" && rows.last?[4] == nil)

        let bad = """
            subject,reference,receivedAt
            email=user3@example.com,T-3,
            email=user4@example.com,T-3,
            email=user5@example.com,T-5,2999-01-01T00:00:00Z
            email=   ,T-6,
            email=user7@example.com,T-7\u{0},

            """
        try bad.write(toFile: file, atomically: true, encoding: .utf8)
        let before = try fixture.checksums()
        let refused = try fixture.retention(["request", "import", "--policy", fixture.policy, "--format", "csv", file])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("line 3, field reference: repeats the reference of line 2"), "\(refused.stderr)")
        #expect(refused.stderr.contains("line 5, field subject"), "\(refused.stderr)")
        #expect(refused.stderr.contains("line 6, field reference: contains a NUL"), "\(refused.stderr)")
        #expect(refused.stderr.contains("line 4, field receivedAt") && refused.stderr.contains("in the future"), "\(refused.stderr)")
        #expect(try fixture.checksums() == before)
    }

    @Test("the register after a run equals the requests table and the runs' results computed in SQL, and holds no identifier")
    func register() throws {
        let fixture = try SubjectFixture.make("reqexport")
        defer { fixture.drop() }
        let file = fixture.engine.directory + "/requests.jsonl"
        try ([line(7), line(8), #"{"subject": "email=nobody@example.com", "reference": "DSR-x"}"#].joined(separator: "\n")).write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try fixture.retention(["request", "import", "--policy", fixture.policy, file]).status == 0)
        let run = try fixture.run()
        #expect(run.status == 0, "\(run.stderr)")
        let export = try fixture.retention(["request", "export", "--format", "jsonl"])
        #expect(export.status == 0, "\(export.stderr)")
        let entries = export.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        // Plain SQL: per request and category, the rows every run's batches changed by action, and the latest kept counts.
        let expected = try fixture.database.connect().execute("""
            SELECT q.request_id, q.status, coalesce(q.verified_by, ''), t.category,
                   coalesce(sum(b.n) FILTER (WHERE t.action = 'delete'), 0), coalesce(sum(b.n) FILTER (WHERE t.action = 'pseudonymise'), 0), sum(t.kept)
            FROM retention.erasure_requests q
            JOIN (SELECT DISTINCT ON (request_id, target) * FROM retention.request_target_results ORDER BY request_id, target, recorded_at DESC) t
              ON t.request_id = q.request_id
            LEFT JOIN (SELECT request_id, target, sum(affected) AS n FROM retention.request_batch_results GROUP BY 1, 2) b
              ON b.request_id = t.request_id AND b.target = t.target
            GROUP BY 1, 2, 3, 4 ORDER BY 1, 4
            """).rows
        var exported: [[String?]] = []
        for entry in entries {
            for category in entry["categories"] as? [[String: Any]] ?? [] {
                exported.append([String(entry["id"] as? Int ?? -1), entry["status"] as? String, entry["verifiedBy"] as? String ?? "", category["name"] as? String,
                                 String(category["erased"] as? Int ?? -1), String(category["pseudonymised"] as? Int ?? -1), String(category["kept"] as? Int ?? -1)])
            }
        }
        #expect(exported.sorted { "\($0)" < "\($1)" } == expected.sorted { "\($0)" < "\($1)" })
        #expect(entries.count == 3)
        #expect(expected.contains { $0[4] != "0" }, "the run erased something")
        let csv = try fixture.retention(["request", "export"])
        for output in [export.stdout, csv.stdout] {
            for identifier in ["user7@example.com", "user8@example.com", "nobody@example.com", "User 7"] {
                #expect(!output.contains(identifier), "the register holds \(identifier)")
            }
        }
        #expect(csv.stdout.hasPrefix("id,policy,reference,received_at,deadline,extended,status,completed_at,verified_by,evidence,category,erased,pseudonymised,kept,ambiguous\r\n"))
        let since = try fixture.retention(["request", "export", "--since", "2999-01-01T00:00:00Z", "--format", "jsonl"])
        #expect(since.status == 0 && since.stdout.isEmpty, "\(since.stdout)")
    }

    @Test("notices name the processors of the categories in which rows were erased, and the receipt names them; an open request has none; an unknown category is a policy error")
    func recipients() throws {
        let processors = #","processors": [{"name": "Mailjet", "categories": ["Marketing"], "contact": "dpo@mailjet.example"}, {"name": "Zendesk", "categories": ["Content data", "Billing data"]}, {"name": "Archive", "categories": ["Usage and log data"]}]}"#
        let policy = String(SubjectSchema.policy().trimmingCharacters(in: .whitespacesAndNewlines).dropLast()) + processors
        let fixture = try SubjectFixture.make("reqnotices", policy: policy)
        defer { fixture.drop() }
        // user 31 has comments and check-ins but no marketing contact (30 of them); user 7 has all.
        let withMail = try fixture.add("email=user7@example.com")
        let withoutMail = try fixture.add("email=user31@example.com", ["--category", "Content data"])
        let open = try fixture.retention(["request", "notices", withMail, "--policy", fixture.policy])
        #expect(open.status == 2 && open.stderr.contains("is open"), "\(open.stderr)")
        #expect(try fixture.run().status == 0)
        // Plain SQL: the categories in which each request's batches changed rows.
        func erased(_ id: String) throws -> Set<String> {
            Set(try fixture.database.connect().execute("""
                SELECT DISTINCT t.category FROM retention.request_target_results t JOIN retention.request_batch_results b
                  ON b.request_id = t.request_id AND b.target = t.target
                WHERE t.request_id = $1::bigint AND t.action IN ('delete', 'pseudonymise') AND b.affected > 0
                """, [id]).rows.map { $0[0] ?? "" })
        }
        let processorCategories = ["Mailjet": ["Marketing"], "Zendesk": ["Content data", "Billing data"], "Archive": ["Usage and log data"]]
        for id in [withMail, withoutMail] {
            let result = try fixture.retention(["request", "notices", id, "--policy", fixture.policy, "--format", "json"])
            #expect(result.status == 0, "\(result.stderr)")
            let notices = (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["notices"] as? [[String: Any]] ?? []
            let got = Dictionary(uniqueKeysWithValues: notices.map { ($0["processor"] as? String ?? "", Set($0["categories"] as? [String] ?? [])) })
            let categories = try erased(id)
            var expected: [String: Set<String>] = [:]
            for (name, receives) in processorCategories where !categories.isDisjoint(with: receives) { expected[name] = categories.intersection(receives) }
            #expect(got == expected, "request \(id)")
        }
        #expect(try erased(withMail).contains("Marketing") && !erased(withoutMail).contains("Marketing"))
        let receipt = try fixture.retention(["request", "receipt", withMail, "--policy", fixture.policy, "--format", "md"])
        #expect(receipt.status == 0 && receipt.stdout.contains("Mailjet"), "\(receipt.stdout)")

        let wrong = fixture.engine.directory + "/wrong.json"
        try policy.replacingOccurrences(of: #"["Usage and log data"]"#, with: #"["Gossip"]"#).write(toFile: wrong, atomically: true, encoding: .utf8)
        let refused = try fixture.retention(["validate", "--policy", wrong])
        #expect(refused.status == 2 && refused.stderr.contains("processor \"Archive\", key \"categories\": \"Gossip\" is not a category"), "\(refused.stderr)")
    }

    @Test("a 1 MB reference and a 1 MB verification are filed whole, found as duplicates on the next import; a 1 MB value no subject row holds names nobody but is filed")
    func megabyteFields() throws {
        let fixture = try SubjectFixture.make("reqimportbig")
        defer { fixture.drop() }
        let big = String(repeating: "r", count: 1_048_576)
        let file = fixture.engine.directory + "/big.jsonl"
        let lines = [#"{"subject": "email=user3@example.com", "reference": "\#(big)", "verifiedBy": "\#(big)"}"#,
                     #"{"subject": "email=\#(big)@example.com", "reference": "BIG-2"}"#]
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let first = try fixture.retention(["request", "import", "--policy", fixture.policy, file])
        #expect(first.status == 0, "\(first.stderr.prefix(300))")
        #expect(try fixture.database.count("SELECT count(*) FROM retention.erasure_requests WHERE reference = $1 AND verified_by = $1", [big]) == 1)
        #expect(try fixture.database.count("SELECT count(*) FROM retention.erasure_requests WHERE length(subject_value) = 1048576 + 12") == 1)
        let again = try fixture.retention(["request", "import", "--policy", fixture.policy, file])
        #expect(again.status == 0 && again.stdout.components(separatedBy: "\"duplicate\"").count == 3, "\(again.stdout.suffix(300))")
        #expect(try fixture.database.count("SELECT count(*) FROM retention.erasure_requests") == 2)
    }
}
