import Postgres

/// Refuses a policy when row-level security hides rows of a table it touches from the connected
/// role: the rule's table and its leaf partitions, the roll-up, the tables whose foreign keys
/// are read for blocking rows, the tenants table, and the subjects' table and every target's. A
/// run would otherwise count only what the role sees and report `ok` while hidden due rows
/// remain; an erasure request would be done, or a register extract complete, without them.
enum RowSecurityCheck {
    static func problems(_ policy: Policy, schema: Schema) -> [PolicyProblem] {
        var problems: [PolicyProblem] = []
        func check(_ relation: Identifier, rule: String?, scope: PolicyProblem.Scope = .rule, key: String, reading what: String) {
            guard let security = schema.rowSecurity[relation], security.hidesRows else { return }
            let role = Identifier(security.role)
            let forced = security.forced ? " (FORCE ROW LEVEL SECURITY applies it to the table's owner too)" : ""
            let problem = PolicyProblem(rule: rule, key: key, message: """
                row-level security on \(relation) hides rows from role \(role)\(forced), so \(what) would be missed; \
                ALTER ROLE \(role) BYPASSRLS, or a policy that lets the role see every row \
                (CREATE POLICY ... ON \(relation) FOR ALL TO \(role) USING (true) WITH CHECK (true))
                """, scope: scope)
            if !problems.contains(problem) { problems.append(problem) }
        }
        if let tenants = policy.tenants, let table = schema.tables[tenants.table] {
            check(table.identifier, rule: nil, key: "tenants.table", reading: "terminated tenants")
        }
        for rule in policy.rules {
            guard let table = schema.table(of: rule) else { continue }
            for relation in [table.identifier] + table.leaves {
                check(relation, rule: rule.name, key: "table", reading: "due rows")
            }
            if case let .aggregate(spec) = rule.action, let target = schema.tables[spec.into] {
                check(target.identifier, rule: rule.name, key: "aggregate.into", reading: "roll-up rows")
            }
            if rule.removesRows {
                for key in table.referencedBy where key.referencingRoot != table.identifier {
                    check(key.referencingRoot, rule: rule.name, key: "table", reading: "rows that block a delete through foreign key \"\(key.name)\"")
                }
            }
        }
        if let subjects = policy.subjects {
            if let table = schema.tables[subjects.table] {
                check(table.identifier, rule: nil, key: "subjects.table", reading: "the people asked about")
            }
            for target in subjects.targets {
                guard let table = schema.table(of: target) else { continue }
                for relation in [table.identifier] + table.leaves {
                    check(relation, rule: target.name, scope: .target, key: "table", reading: "a person's rows")
                }
                guard case .delete = target.action else { continue }
                for key in table.referencedBy where key.referencingRoot != table.identifier {
                    check(key.referencingRoot, rule: target.name, scope: .target, key: "table",
                          reading: "rows that keep a person's row through foreign key \"\(key.name)\"")
                }
            }
        }
        return problems
    }
}
