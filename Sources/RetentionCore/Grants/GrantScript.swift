import Postgres

/// The SQL that creates a role able to do exactly what a policy needs, and nothing else:
/// SELECT and DELETE on the tables rules delete from (and their partitions, which batches
/// address directly), UPDATE on the pseudonymised columns only, INSERT/UPDATE on the roll-up
/// columns, column SELECT on the tenants table and on referencing keys, and the engine's own
/// tables. A batch reads `ctid`, which needs table-level SELECT on the tables it works on.
/// Runs that wait for standbys need `pg_monitor` (`pg_replication_slots`, which `--max-slot-lag`
/// reads, is open to every role); runs with `--analyze` or `--vacuum`
/// need MAINTAIN on the tables they change (PostgreSQL 17 and later; before, only the owner may).
public struct GrantScript {
    public let policy: Policy
    public let schema: Schema
    public let role: String
    public let database: String
    /// The runs use `--max-replica-lag`.
    public var monitorsStandbys = false
    /// The runs use `--analyze` or `--vacuum`.
    public var tableHygiene: TableHygiene?
    /// `server_version_num` of the database (MAINTAIN exists from 170000 on).
    public var serverVersion = 0

    public init(policy: Policy, schema: Schema, role: String, database: String) {
        self.policy = policy
        self.schema = schema
        self.role = role
        self.database = database
    }

    /// The whole script: the role and what it may reach, then one section per part of the policy
    /// (the tenants, each rule, the subjects), what row-level security needs, and the engine's own
    /// tables.
    public func sql() -> String {
        var grants = Grants(role: role, schema: schema)
        tenantsSection(&grants)
        for rule in policy.rules { ruleSection(rule, &grants) }
        subjectsSection(&grants)
        let usage = grants.schemas.map { "GRANT USAGE ON SCHEMA \(Identifier.quote($0)) TO \(grants.grantee);" }
        let lines = roleSection(grants.grantee) + usage + grants.lines + rowSecuritySection(grants) + engineSection(grants.grantee)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The grants of the policy's parts, with the schemas they need USAGE on and the tables with
    /// row-level security they touch, each once, in the order met.
    private struct Grants {
        let grantee: String
        let schema: Schema
        var lines: [String] = []
        var schemas: [String] = []
        var rowSecured: [Identifier] = []

        init(role: String, schema: Schema) {
            grantee = Identifier.quote(role)
            self.schema = schema
        }

        /// Notes that a grant reaches `table`.
        mutating func use(_ table: Identifier) {
            if let name = table.schema, !schemas.contains(name) { schemas.append(name) }
            if schema.rowSecurity[table] != nil, !rowSecured.contains(table) { rowSecured.append(table) }
        }

        mutating func append(_ line: String) { lines.append(line) }

        /// `(a, b)`: the names, quoted, each once.
        func columns(_ names: [String]) -> String {
            var unique: [String] = []
            for name in names where !unique.contains(name) { unique.append(name) }
            return "(" + unique.map(Identifier.quote).joined(separator: ", ") + ")"
        }
    }

    /// Catalog names in comments lose line breaks and other control characters: a name must
    /// never be able to end a comment and start a statement.
    private func comment(_ text: String) -> String { String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init)) }

    /// The role, its connection, and the database-wide rights the runs need.
    private func roleSection(_ grantee: String) -> [String] {
        var lines = [
            "-- Least-privilege role for retention policy \"\(policy.name)\" (policy sha256 \(policy.sha256.prefix(12))…).",
            "-- Run as the owner of the tables. Give the role a password (ALTER ROLE \(grantee) PASSWORD ...) or a certificate yourself.",
            "DO $$ BEGIN CREATE ROLE \(grantee) LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
            "GRANT CONNECT ON DATABASE \(Identifier.quote(database)) TO \(grantee);",
        ]
        let needsKey = policy.subjects != nil || policy.rules.contains { rule in
            if case let .pseudonymise(spec) = rule.action { return spec.needsKey }
            return false
        }
        if needsKey {
            lines.append("GRANT TEMPORARY ON DATABASE \(Identifier.quote(database)) TO \(grantee); -- hmac: each session receives the pseudonym pads in a temporary table")
        }
        if monitorsStandbys {
            lines.append("GRANT pg_monitor TO \(grantee); -- --max-replica-lag: the lag columns of pg_stat_replication")
        }
        return lines
    }

    /// The tenants table's key and termination time.
    private func tenantsSection(_ grants: inout Grants) {
        guard let tenants = policy.tenants, let table = schema.tables[tenants.table] else { return }
        grants.use(table.identifier)
        grants.append("-- tenants: who is terminated, and since when")
        grants.append("GRANT SELECT \(grants.columns([tenants.key, tenants.terminatedAt])) ON TABLE \(table.identifier.sql) TO \(grants.grantee);")
    }

    /// What one rule changes and reads: its table and partitions, their owner for removing
    /// partitions whole, an aggregate's roll-up, MAINTAIN for `--analyze`/`--vacuum`, and the keys
    /// that reference its rows.
    private func ruleSection(_ rule: Rule, _ grants: inout Grants) {
        guard let table = schema.table(of: rule) else { return }
        let grantee = grants.grantee
        let relations = [table.identifier] + table.leaves.filter { $0 != table.identifier }
        for relation in relations { grants.use(relation) }
        grants.append("-- rule \"\(rule.name)\": \(rule.action.kind.rawValue) on \(comment(table.identifier.description))")
        switch rule.action {
        case .delete, .aggregate, .purgeFiles, .expireBackups:
            for relation in relations { grants.append("GRANT SELECT, DELETE ON TABLE \(relation.sql) TO \(grantee);") }
        case let .pseudonymise(spec):
            for relation in relations {
                grants.append("GRANT UPDATE \(grants.columns(spec.columns.map(\.column) + [spec.marker])) ON TABLE \(relation.sql) TO \(grantee);")
                grants.append("GRANT SELECT ON TABLE \(relation.sql) TO \(grantee);")
            }
        }
        if rule.partitions.removesPartitions {
            grants.append("-- \"partitions\": \"\(rule.partitions.rawValue)\": detaching and dropping a partition needs its owner's rights (and its parent's):")
            if table.ownerIsSuperuser {
                grants.append("-- NOT GRANTED: \(comment(table.identifier.description)) is owned by superuser \(comment(table.owner)), and membership in it would make the engine a superuser.")
                grants.append("-- Give the table and its partitions an owner role that is not a superuser (ALTER TABLE ... OWNER TO app_owner), then grant that role;")
                grants.append("-- until then the rule's partitions go by row batches.")
            } else {
                grants.append("GRANT \(Identifier.quote(table.owner)) TO \(grantee); -- membership in the owner role of \(comment(table.identifier.description)) and its partitions")
            }
            if rule.partitions == .detach {
                grants.append("GRANT USAGE, CREATE ON SCHEMA retention_archive TO \(grantee); -- detached partitions are moved here")
            }
        }
        if case let .aggregate(spec) = rule.action, let target = schema.tables[spec.into] {
            grants.use(target.identifier)
            let key = [spec.bucketColumn] + spec.dimensions
            let totals = [spec.countColumn] + spec.sums.map(\.total)
            grants.append("GRANT SELECT \(grants.columns(key + totals)), INSERT \(grants.columns(key + totals)), UPDATE \(grants.columns(totals)) ON TABLE \(target.identifier.sql) TO \(grantee);")
        }
        if let hygiene = tableHygiene {
            for changed in TableHygiene.tables(of: RulePlan(rule: rule, table: table, schema: schema)) {
                let maintained = [changed] + (schema.tables[changed]?.leaves.filter { $0 != changed } ?? [])
                for relation in maintained {
                    if serverVersion >= 170000 {
                        grants.append("GRANT MAINTAIN ON TABLE \(relation.sql) TO \(grantee); -- --\(hygiene.rawValue)")
                    } else {
                        grants.append(comment("-- --\(hygiene.rawValue): before PostgreSQL 17 only the owner of \(relation.description) may \(hygiene.commandName) it; run without --\(hygiene.rawValue) or make the role a member of the owner (GRANT owner TO \(grantee))"))
                    }
                }
            }
        }
        if rule.removesRows {
            for key in table.referencedBy.filter(\.blocksDelete).mergedByRoot where key.referencingRoot != table.identifier {
                grants.use(key.referencing)
                grants.use(key.referencingRoot)
                grants.append("GRANT SELECT \(grants.columns(key.referencingColumns)) ON TABLE \(key.referencing.sql) TO \(grantee); -- \(comment(key.name))")
            }
        }
    }

    /// The subjects table's key and identifiers, and what each subjects target changes and reads.
    private func subjectsSection(_ grants: inout Grants) {
        guard let subjects = policy.subjects else { return }
        let grantee = grants.grantee
        if let table = schema.tables[subjects.table] {
            grants.use(table.identifier)
            grants.append("-- subjects: the person's key and identifiers")
            grants.append("GRANT SELECT \(grants.columns(subjects.columns)) ON TABLE \(table.identifier.sql) TO \(grantee);")
        }
        for target in subjects.targets {
            guard let table = schema.table(of: target) else { continue }
            grants.use(table.identifier)
            grants.append("-- subjects target \"\(target.name)\": \(target.action.kind.rawValue) on \(comment(table.identifier.description))")
            switch target.action {
            case .delete:
                grants.append("GRANT SELECT, DELETE ON TABLE \(table.identifier.sql) TO \(grantee);")
            case let .pseudonymise(spec):
                grants.append("GRANT UPDATE \(grants.columns(spec.columns.map(\.column) + [spec.marker])) ON TABLE \(table.identifier.sql) TO \(grantee);")
                grants.append("GRANT SELECT ON TABLE \(table.identifier.sql) TO \(grantee);")
            case .keep:
                grants.append("GRANT SELECT ON TABLE \(table.identifier.sql) TO \(grantee);")
            }
            for key in SubjectTargetPlan(target: target, table: table, policy: policy, schema: schema).blockingKeys where key.referencingRoot != table.identifier {
                grants.use(key.referencing)
                grants.append("GRANT SELECT \(grants.columns(key.referencingColumns)) ON TABLE \(key.referencing.sql) TO \(grantee); -- \(comment(key.name))")
            }
        }
    }

    /// What to do, as a superuser or as the owner, so that the role sees every row of the tables
    /// with row-level security the grants reach.
    private func rowSecuritySection(_ grants: Grants) -> [String] {
        guard !grants.rowSecured.isEmpty else { return [] }
        let grantee = grants.grantee
        var lines = [
            "-- row-level security is enabled on \(comment(grants.rowSecured.map(\.description).joined(separator: ", "))): the role must see every row,",
            "-- or a run misses due rows (validate and run refuse). Either, as a superuser:",
            comment("--   ALTER ROLE \(grantee) BYPASSRLS;"),
            "-- or, as the owner, a policy on each of them that lets the role see every row:",
        ]
        for table in grants.rowSecured {
            lines.append(comment("--   CREATE POLICY \(Identifier.quote("retention_sees_all")) ON \(table.sql) FOR ALL TO \(grantee) USING (true) WITH CHECK (true);"))
        }
        return lines
    }

    /// The engine's own tables, and the erasure requests' when the policy has subjects.
    private func engineSection(_ grantee: String) -> [String] {
        var lines = [
            "-- the engine's own schema (migrations are applied by the owner, not by this role)",
            "GRANT USAGE ON SCHEMA retention TO \(grantee);",
            "GRANT SELECT ON TABLE retention.schema_migrations, retention.legal_holds, retention.legal_hold_values TO \(grantee);",
            "GRANT SELECT, INSERT, UPDATE ON TABLE retention.runs, retention.rule_results, retention.rule_tenant_results, retention.run_rules TO \(grantee);",
            "GRANT SELECT, INSERT ON TABLE retention.batch_results TO \(grantee);",
            "GRANT SELECT, INSERT, UPDATE ON TABLE retention.partition_removals TO \(grantee);",
        ]
        if policy.subjects != nil {
            lines += [
                "-- erasure requests: processed by runs, filed and changed by an owner's connection",
                "GRANT SELECT, UPDATE ON TABLE retention.erasure_requests TO \(grantee);",
                "GRANT SELECT, INSERT, DELETE ON TABLE retention.erasure_request_values TO \(grantee);",
                "GRANT SELECT, INSERT, DELETE ON TABLE retention.erasure_followups TO \(grantee);",
                "GRANT INSERT ON TABLE retention.erasure_request_events TO \(grantee);",
                "GRANT SELECT, INSERT ON TABLE retention.request_batch_results TO \(grantee);",
                "GRANT SELECT, INSERT, UPDATE ON TABLE retention.request_target_results TO \(grantee);",
            ]
        }
        return lines
    }
}
