import Postgres
@testable import RetentionCore
import Testing

/// Which rows holds on persons reach, as SQL: pure, no server.
@Suite("Holds on persons without a server")
struct PersonHoldsTests {
    static func table(_ name: String, _ columns: [String]) -> TableInfo {
        TableInfo(oid: 1, identifier: Identifier("public", name), kind: .table,
                  columns: columns.map { ColumnInfo(name: $0, typeName: "text", baseType: "text", category: "S", notNull: false, unmodifiedType: "text", plainBaseType: "text") },
                  primaryKey: ["id"], uniqueKeys: [["id"]], leaves: [Identifier("public", name)], referencedBy: [])
    }

    static let policy = try! PolicyParser.parse("""
        {"policy": "p", "rules": [{"name": "r", "table": "notes", "due": {"after": "1 day", "from": "c"}, "action": "delete"}],
         "subjects": {"table": "users", "key": "id", "identifiers": ["it's"],
                      "targets": [{"name": "notes", "category": "C", "table": "notes", "match": {"author": "id", "mail": "it's"}, "action": "delete"}]}}
        """)

    static let users = table("users", ["id", "it's"])
    static let notes = table("notes", ["id", "author", "mail", "c"])
    static let schema = Schema(tables: [policy.subjects!.table: users, policy.subjects!.targets[0].table: notes])

    @Test("a target's table is reached through its match columns, the subject table through its key, any other table not at all")
    func reach() throws {
        let onNotes = try #require(PersonHolds.of(Self.notes, policy: Self.policy, schema: Self.schema, reading: .byHMAC(citusHeld: false)))
        #expect(onNotes.matches == [SubjectMatch(column: "author", subjectColumn: "id"), SubjectMatch(column: "mail", subjectColumn: "it's")])
        #expect(PersonHolds.of(Self.users, policy: Self.policy, schema: Self.schema, reading: .byHMAC(citusHeld: false))?.matches == [SubjectMatch(column: "id", subjectColumn: "id")])
        #expect(PersonHolds.of(Self.table("other", ["id"]), policy: Self.policy, schema: Self.schema, reading: .byHMAC(citusHeld: false)) == nil)
    }

    @Test("by HMAC: each match column's text hashed and compared with the holds in force of its subject column; without the key, any hold on a person holds every row")
    func predicates() throws {
        let plan = RulePlan(rule: Self.policy.rules[0], table: Self.notes, schema: Self.schema,
                            personHolds: PersonHolds.of(Self.notes, policy: Self.policy, schema: Self.schema, reading: .byHMAC(citusHeld: false)))
        var builder = SQLBuilder()
        let held = try #require(plan.heldPredicate("r", &builder))
        #expect(held.contains(#"convert_to(r."author"::text, 'UTF8')"#) && held.contains("v.subject_column = 'id'"))
        #expect(held.contains(#"convert_to(r."mail"::text, 'UTF8')"#) && held.contains("v.subject_column = 'it''s'"))
        #expect(held.contains(" OR "))
        #expect(builder.parameters.isEmpty)
        let keyless = RulePlan(rule: Self.policy.rules[0], table: Self.notes, schema: Self.schema,
                               personHolds: PersonHolds.of(Self.notes, policy: Self.policy, schema: Self.schema, reading: .everyRowWhileAnyHold(citusHeld: false)))
        #expect(keyless.heldPredicate("r", &builder) == "EXISTS (SELECT 1 FROM retention.legal_holds h WHERE h.released_at IS NULL AND h.subject_column IS NOT NULL)")
        #expect(RulePlan(rule: Self.policy.rules[0], table: Self.notes, schema: Self.schema).heldPredicate("r", &builder) == nil)
    }

    @Test("on a Citus table no statement can tell a held person's rows: every reached row is held while a hold on a person was in force at the start, none otherwise")
    func onCitus() throws {
        var notes = Self.notes
        notes.distribution = .distributed(column: "author", shards: 4, replicas: 1)
        let heldPlan = RulePlan(rule: Self.policy.rules[0], table: notes, schema: Self.schema,
                                personHolds: PersonHolds.of(notes, policy: Self.policy, schema: Self.schema, reading: .byHMAC(citusHeld: true)))
        var builder = SQLBuilder()
        #expect(heldPlan.heldPredicate("r", &builder) == "true")
        #expect(PersonHolds.of(notes, policy: Self.policy, schema: Self.schema, reading: .byHMAC(citusHeld: false)) == nil)
        #expect(PersonHolds.of(notes, policy: Self.policy, schema: Self.schema, reading: .everyRowWhileAnyHold(citusHeld: false)) == nil)
    }
}
