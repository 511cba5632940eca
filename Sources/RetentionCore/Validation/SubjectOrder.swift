import Postgres

/// The order an erasure request works through its targets: a target that deletes rows
/// referenced through a foreign key by another deleting target's table runs after it, so the
/// person's referencing rows are gone first. Otherwise the policy's order.
public enum SubjectOrder {
    public static func ordered(_ targets: [SubjectTarget], schema: Schema) -> Result<[SubjectTarget], PolicyProblem> {
        var waitsFor: [String: Set<String>] = [:]
        for target in targets {
            waitsFor[target.name] = []
            guard target.removesRows, let table = schema.table(of: target) else { continue }
            let referencing = Set(table.referencedBy.map(\.referencingRoot)).subtracting([table.identifier])
            for other in targets where other.name != target.name && other.removesRows {
                if let otherTable = schema.table(of: other), referencing.contains(otherTable.identifier) {
                    waitsFor[target.name, default: []].insert(other.name)
                }
            }
        }
        var ordered: [SubjectTarget] = []
        var remaining = targets
        while let index = remaining.firstIndex(where: { (waitsFor[$0.name] ?? []).isSubset(of: Set(ordered.map(\.name))) }) {
            ordered.append(remaining.remove(at: index))
        }
        if let first = remaining.first {
            let names = remaining.map { "\"\($0.name)\"" }.joined(separator: ", ")
            return .failure(PolicyProblem(rule: first.name, key: "table", message: "targets \(names) wait for each other through foreign keys; no order can erase them", scope: .target))
        }
        return .success(ordered)
    }
}
