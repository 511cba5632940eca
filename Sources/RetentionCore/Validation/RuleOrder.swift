import Postgres

/// Which rules must finish before another starts: a rule that removes rows referenced through
/// a foreign key by another rule's table runs after that rule, so the referencing rows that are
/// due are gone first.
public enum RuleOrder {
    /// For each rule name, the names of the rules it waits for; or the problem of a cycle.
    public static func dependencies(_ rules: [Rule], schema: Schema) -> Result<[String: Set<String>], PolicyProblem> {
        var waitsFor: [String: Set<String>] = [:]
        for rule in rules {
            waitsFor[rule.name] = []
            guard rule.removesRows, let table = schema.table(of: rule) else { continue }
            let referencingRoots = Set(table.referencedBy.map(\.referencingRoot)).subtracting([table.identifier])
            for root in referencingRoots {
                for other in schema.rules(rules, emptying: root) where other.name != rule.name {
                    waitsFor[rule.name, default: []].insert(other.name)
                }
            }
        }
        // Kahn's algorithm: whatever cannot be ordered is part of a cycle.
        var remaining = waitsFor
        while let ready = remaining.first(where: { $0.value.isEmpty })?.key {
            remaining[ready] = nil
            for name in remaining.keys { remaining[name]?.remove(ready) }
        }
        if !remaining.isEmpty {
            let names = remaining.keys.sorted()
            return .failure(PolicyProblem(rule: names[0], key: "table", message: "rules \(names.map { "\"\($0)\"" }.joined(separator: ", ")) wait for each other through foreign keys; no order can run them"))
        }
        return .success(waitsFor)
    }
}
