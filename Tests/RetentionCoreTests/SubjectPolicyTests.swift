@testable import RetentionCore
import Testing

private func subjectsPolicy(_ subjects: String, rules: String = #""rules": [{"name": "billing", "table": "invoices", "due": {"after": "7 years", "from": "issued_at"}, "action": "delete"}],"#) -> String {
    #"{"policy": "p", \#(rules) "subjects": \#(subjects)}"#
}

private let goodTargets = #"""
    [{"name": "c", "category": "Content", "table": "comments", "match": {"author_id": "id"}, "action": "delete"},
     {"name": "i", "category": "Billing", "table": "invoices", "match": {"owner_user_id": "id"}, "action": "keep", "keptUntilRule": "billing", "basis": "BFL"},
     {"name": "u", "category": "Account", "table": "users", "match": {"id": "id"}, "action": "pseudonymise",
      "pseudonymise": {"columns": {"email": "hmac"}, "marker": "pseudonymised_at"}}]
    """#

@Suite("Policy subjects")
struct SubjectPolicyTests {
    @Test("a subjects map parses: key, identifiers, deadline, each action; a policy may have subjects and no rules")
    func parses() throws {
        let policy = try PolicyParser.parse(subjectsPolicy(#"{"table": "users", "key": "id", "identifiers": ["email"], "deadline": "30 days", "targets": \#(goodTargets)}"#))
        let subjects = try #require(policy.subjects)
        #expect(subjects.columns == ["id", "email"])
        #expect(subjects.deadline == Period(months: 0, days: 30))
        #expect(subjects.targets.map(\.action.kind) == [.delete, .keep, .pseudonymise])
        #expect(subjects.categories == ["Content", "Billing", "Account"])
        let alone = try PolicyParser.parse(#"{"policy": "p", "subjects": {"table": "users", "key": "id", "targets": [{"name": "c", "category": "C", "table": "comments", "match": {"author_id": "id"}, "action": "delete"}]}}"#)
        #expect(alone.rules.isEmpty)
        #expect(alone.subjects?.deadline == Period(months: 1, days: 0))
    }

    @Test("each mistake is one problem naming the target (or subjects key), all listed", arguments: [
        (#"{"table": "users", "key": "id", "targets": [{"name": "c", "category": "C", "table": "comments", "match": {"author_id": "id"}, "action": "delete", "colour": "red"}]}"#, #"subjects target "c", key "colour": unknown key"#),
        (#"{"table": "users", "key": "id", "tagets": [], "targets": [{"name": "c", "category": "C", "table": "comments", "match": {"author_id": "id"}, "action": "delete"}]}"#, #"key "subjects.tagets": unknown key"#),
        (#"{"table": "users", "key": "id", "targets": [{"name": "c", "category": "C", "table": "comments", "match": {"author_id": "uid"}, "action": "delete"}]}"#, #"key "match.author_id": "uid" is neither"#),
        (#"{"table": "users", "key": "id", "targets": [{"name": "c", "category": "C", "table": "comments", "match": {"author_id": "id"}, "action": "shred"}]}"#, #""shred" is not a target action"#),
        (#"{"table": "users", "key": "id", "targets": [{"name": "c", "table": "comments", "match": {"author_id": "id"}, "action": "delete"}]}"#, #"key "category": is missing"#),
        (#"{"table": "users", "key": "id", "targets": [{"name": "i", "category": "B", "table": "invoices", "match": {"owner_user_id": "id"}, "action": "keep"}]}"#, #"key "basis": is missing"#),
        (#"{"table": "users", "key": "id", "targets": [{"name": "i", "category": "B", "basis": "x", "table": "invoices", "match": {"owner_user_id": "id"}, "action": "keep", "keptUntilRule": "bill"}]}"#, #"the policy has no rule "bill""#),
        (#"{"table": "users", "key": "id", "targets": [{"name": "i", "category": "B", "basis": "x", "table": "payments", "match": {"owner_user_id": "id"}, "action": "keep", "keptUntilRule": "billing"}]}"#, #"rule "billing" works on invoices, not on payments"#),
        (#"{"table": "users", "key": "id", "targets": [{"name": "c", "category": "C", "table": "comments", "match": {"author_id": "id"}, "action": "delete", "keptUntilRule": "billing"}]}"#, #"key "keptUntilRule": belongs to action "keep""#),
        (#"{"table": "users", "key": "id", "deadline": "soon", "targets": [{"name": "c", "category": "C", "table": "comments", "match": {"author_id": "id"}, "action": "delete"}]}"#, #"key "subjects.deadline": "soon" is not a period"#),
        (#"{"table": "users", "key": "id", "targets": [{"name": "c", "category": "C", "table": "comments", "match": {"author_id": "id"}, "action": "delete"}, {"name": "c", "category": "C", "table": "checkins", "match": {"user_id": "id"}, "action": "delete"}]}"#, #"subjects target "c", key "name": is used by an earlier target"#),
        (#"{"table": "users", "key": "id", "targets": []}"#, #"key "subjects.targets": must be a non-empty array"#),
    ])
    func mistakes(subjects: String, expected: String) {
        let found = problems(subjectsPolicy(subjects))
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.description.contains(expected) == true, "\(found)")
    }

    @Test("a policy without rules and without subjects is refused")
    func neither() {
        let found = problems(#"{"policy": "p"}"#)
        #expect(found.map(\.description) == [#"key "rules": is missing; a policy has "rules", "subjects" or both"#])
    }
}
