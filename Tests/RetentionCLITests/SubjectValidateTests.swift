import Foundation
import Postgres
import Testing
import TestSupport

@Suite("validate: policy subjects against the live schema")
struct SubjectValidateTests {
    @Test("the subjects policy is valid; a payment method that a kept invoice references is reported as kept")
    func valid() throws {
        let fixture = try EngineFixture.make("subjvalid", schemaSQL: SubjectSchema.sql)
        defer { fixture.drop() }
        let path = try fixture.writePolicy(SubjectSchema.policy())
        let result = try fixture.retention(["validate", "--policy", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("1 rules and 7 subjects targets valid against"), "\(result.stdout)")
        #expect(result.stderr.contains(#"subjects target "payment-methods", key "table": rows of public.payment_methods that rows of kept target "user-invoices" (public.invoices) reference through foreign key "invoices_payment_method_id_fkey" will be kept, not erased"#), "\(result.stderr)")
        #expect(!result.stderr.contains("has no index"), "\(result.stderr)")
    }

    @Test("each live mistake is one line naming the target and the key, exit 2", arguments: [
        (#"{"name": "t", "category": "C", "table": "commentz", "match": {"author_id": "id"}, "action": "delete"}"#, #"subjects target "t", key "table": table commentz does not exist"#),
        (#"{"name": "t", "category": "C", "table": "comments", "match": {"writer_id": "id"}, "action": "delete"}"#, #"subjects target "t", key "match.writer_id": table public.comments has no column "writer_id""#),
        (#"{"name": "t", "category": "C", "table": "comments", "match": {"body": "id"}, "action": "delete"}"#, #"subjects target "t", key "match.body": column "body" of public.comments is text but subject column "id" is bigint; they cannot be compared"#),
        (#"{"name": "t", "category": "C", "table": "comments", "tenantColumn": "org", "match": {"author_id": "id"}, "action": "delete"}"#, #"subjects target "t", key "tenantColumn": table public.comments has no column "org""#),
        (#"{"name": "t", "category": "C", "table": "users", "match": {"id": "id"}, "action": "pseudonymise", "pseudonymise": {"columns": {"org_id": "hmac"}, "marker": "pseudonymised_at"}}"#, #"subjects target "t", key "pseudonymise.columns.org_id": strategy "hmac" needs a text column"#),
        (#"{"name": "t", "category": "C", "table": "users", "match": {"id": "id"}, "action": "pseudonymise", "pseudonymise": {"columns": {"name": "null"}, "marker": "gone_at"}}"#, #"subjects target "t", key "pseudonymise.marker": table public.users has no column "gone_at""#),
    ])
    func mistakes(target: String, expected: String) throws {
        let fixture = try EngineFixture.make("subjbad", schemaSQL: SubjectSchema.sql)
        defer { fixture.drop() }
        let path = try fixture.writePolicy(SubjectSchema.policy(targets: target))
        let result = try fixture.retention(["validate", "--policy", path])
        #expect(result.status == 2)
        let errors = result.stderr.split(separator: "\n").filter { $0.contains("error:") }
        #expect(errors.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }

    @Test("a subject key or identifier the table lacks is refused; a match column without an index is warned about")
    func subjectColumnsAndIndexes() throws {
        let fixture = try EngineFixture.make("subjcols", schemaSQL: SubjectSchema.sql + "\nDROP INDEX checkins_user_id_idx;")
        defer { fixture.drop() }
        let bad = try fixture.writePolicy(SubjectSchema.policy().replacingOccurrences(of: #""identifiers": ["email"]"#, with: #""identifiers": ["email", "phone"]"#), name: "bad.json")
        let refused = try fixture.retention(["validate", "--policy", bad])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains(#"key "subjects.identifiers": table public.users has no column "phone""#), "\(refused.stderr)")
        let good = try fixture.writePolicy(SubjectSchema.policy())
        let warned = try fixture.retention(["validate", "--policy", good])
        #expect(warned.status == 0, "\(warned.stderr)")
        #expect(warned.stderr.contains(#"subjects target "user-checkins", key "match.user_id": column "user_id" of public.checkins has no index"#), "\(warned.stderr)")
    }

    @Test("row-level security that hides a target's rows from the role is refused (exit 2): a request would be done, an extract complete, without them")
    func rowLevelSecurity() throws {
        let fixture = try EngineFixture.make("subjrls", schemaSQL: SubjectSchema.sql + """

            ALTER TABLE comments ENABLE ROW LEVEL SECURITY;
            CREATE POLICY own_org ON comments USING (org_id = 1);
            """)
        let role = "rls_" + fixture.database.name
        let admin = try Connection(conninfo: "postgresql://postgres@127.0.0.1:\(TestDatabase.port)/postgres")
        try admin.execute("CREATE ROLE \(Identifier.quote(role)) LOGIN")
        defer {
            fixture.drop()
            _ = try? admin.execute("DROP ROLE IF EXISTS \(Identifier.quote(role))")
        }
        let path = try fixture.writePolicy(SubjectSchema.policy())
        let roleURL = "postgresql://\(role)@127.0.0.1:\(TestDatabase.port)/\(fixture.database.name)"
        let refused = try CommandRunner.run(["validate", "--policy", path, "--database-url", roleURL])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains(#"subjects target "user-comments", key "table": row-level security on public.comments hides rows from role \#(role)"#), "\(refused.stderr)")
        try fixture.database.connect().execute("ALTER ROLE \(Identifier.quote(role)) BYPASSRLS")
        let allowed = try CommandRunner.run(["validate", "--policy", path, "--database-url", roleURL])
        #expect(allowed.status == 0 && !allowed.stderr.contains("row-level security"), "\(allowed.stderr)")
    }
}
