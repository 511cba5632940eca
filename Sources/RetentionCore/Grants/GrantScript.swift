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

    public func sql() -> String {
        let grantee = Identifier.quote(role)
        /// Catalog names in comments lose line breaks and other control characters: a name must
        /// never be able to end a comment and start a statement.
        func comment(_ text: String) -> String { String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init)) }
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
        var schemas: [String] = []
        var body: [String] = []
        var rowSecured: [Identifier] = []
        func useSchema(_ table: Identifier) {
            if let name = table.schema, !schemas.contains(name) { schemas.append(name) }
            if schema.rowSecurity[table] != nil, !rowSecured.contains(table) { rowSecured.append(table) }
        }
        func columns(_ names: [String]) -> String {
            var unique: [String] = []
            for name in names where !unique.contains(name) { unique.append(name) }
            return "(" + unique.map(Identifier.quote).joined(separator: ", ") + ")"
        }
        if let tenants = policy.tenants, let table = schema.tables[tenants.table] {
            useSchema(table.identifier)
            body.append("-- tenants: who is terminated, and since when")
            body.append("GRANT SELECT \(columns([tenants.key, tenants.terminatedAt])) ON TABLE \(table.identifier.sql) TO \(grantee);")
        }
        for rule in policy.rules {
            guard let table = schema.table(of: rule) else { continue }
            let relations = [table.identifier] + table.leaves.filter { $0 != table.identifier }
            relations.forEach(useSchema)
            body.append("-- rule \"\(rule.name)\": \(rule.action.kind.rawValue) on \(comment(table.identifier.description))")
            switch rule.action {
            case .delete, .aggregate, .purgeFiles, .expireBackups:
                for relation in relations { body.append("GRANT SELECT, DELETE ON TABLE \(relation.sql) TO \(grantee);") }
            case let .pseudonymise(spec):
                for relation in relations {
                    body.append("GRANT UPDATE \(columns(spec.columns.map(\.column) + [spec.marker])) ON TABLE \(relation.sql) TO \(grantee);")
                    body.append("GRANT SELECT ON TABLE \(relation.sql) TO \(grantee);")
                }
            }
            if rule.partitions.removesPartitions {
                body.append("-- \"partitions\": \"\(rule.partitions.rawValue)\": detaching and dropping a partition needs its owner's rights (and its parent's):")
                if table.ownerIsSuperuser {
                    body.append("-- NOT GRANTED: \(comment(table.identifier.description)) is owned by superuser \(comment(table.owner)), and membership in it would make the engine a superuser.")
                    body.append("-- Give the table and its partitions an owner role that is not a superuser (ALTER TABLE ... OWNER TO app_owner), then grant that role;")
                    body.append("-- until then the rule's partitions go by row batches.")
                } else {
                    body.append("GRANT \(Identifier.quote(table.owner)) TO \(grantee); -- membership in the owner role of \(comment(table.identifier.description)) and its partitions")
                }
                if rule.partitions == .detach {
                    body.append("GRANT USAGE, CREATE ON SCHEMA retention_archive TO \(grantee); -- detached partitions are moved here")
                }
            }
            if case let .aggregate(spec) = rule.action, let target = schema.tables[spec.into] {
                useSchema(target.identifier)
                let key = [spec.bucketColumn] + spec.dimensions
                let totals = [spec.countColumn] + spec.sums.map(\.total)
                body.append("GRANT SELECT \(columns(key + totals)), INSERT \(columns(key + totals)), UPDATE \(columns(totals)) ON TABLE \(target.identifier.sql) TO \(grantee);")
            }
            if let hygiene = tableHygiene {
                for changed in TableHygiene.tables(of: RulePlan(rule: rule, table: table, schema: schema)) {
                    let maintained = [changed] + (schema.tables[changed]?.leaves.filter { $0 != changed } ?? [])
                    for relation in maintained {
                        if serverVersion >= 170000 {
                            body.append("GRANT MAINTAIN ON TABLE \(relation.sql) TO \(grantee); -- --\(hygiene.rawValue)")
                        } else {
                            body.append(comment("-- --\(hygiene.rawValue): before PostgreSQL 17 only the owner of \(relation.description) may \(hygiene.commandName) it; run without --\(hygiene.rawValue) or make the role a member of the owner (GRANT owner TO \(grantee))"))
                        }
                    }
                }
            }
            if rule.removesRows {
                for key in RulePlan.mergedByRoot(table.referencedBy.filter(\.blocksDelete)) where key.referencingRoot != table.identifier {
                    useSchema(key.referencing)
                    useSchema(key.referencingRoot)
                    body.append("GRANT SELECT \(columns(key.referencingColumns)) ON TABLE \(key.referencing.sql) TO \(grantee); -- \(comment(key.name))")
                }
            }
        }
        if let subjects = policy.subjects {
            if let table = schema.tables[subjects.table] {
                useSchema(table.identifier)
                body.append("-- subjects: the person's key and identifiers")
                body.append("GRANT SELECT \(columns(subjects.columns)) ON TABLE \(table.identifier.sql) TO \(grantee);")
            }
            for target in subjects.targets {
                guard let table = schema.table(of: target) else { continue }
                useSchema(table.identifier)
                body.append("-- subjects target \"\(target.name)\": \(target.action.kind.rawValue) on \(comment(table.identifier.description))")
                switch target.action {
                case .delete:
                    body.append("GRANT SELECT, DELETE ON TABLE \(table.identifier.sql) TO \(grantee);")
                case let .pseudonymise(spec):
                    body.append("GRANT UPDATE \(columns(spec.columns.map(\.column) + [spec.marker])) ON TABLE \(table.identifier.sql) TO \(grantee);")
                    body.append("GRANT SELECT ON TABLE \(table.identifier.sql) TO \(grantee);")
                case .keep:
                    body.append("GRANT SELECT ON TABLE \(table.identifier.sql) TO \(grantee);")
                }
                for key in SubjectTargetPlan(target: target, table: table, policy: policy, schema: schema).blockingKeys where key.referencingRoot != table.identifier {
                    useSchema(key.referencing)
                    body.append("GRANT SELECT \(columns(key.referencingColumns)) ON TABLE \(key.referencing.sql) TO \(grantee); -- \(comment(key.name))")
                }
            }
        }
        for name in schemas { lines.append("GRANT USAGE ON SCHEMA \(Identifier.quote(name)) TO \(grantee);") }
        lines += body
        if !rowSecured.isEmpty {
            lines.append("-- row-level security is enabled on \(comment(rowSecured.map(\.description).joined(separator: ", "))): the role must see every row,")
            lines.append("-- or a run misses due rows (validate and run refuse). Either, as a superuser:")
            lines.append(comment("--   ALTER ROLE \(grantee) BYPASSRLS;"))
            lines.append("-- or, as the owner, a policy on each of them that lets the role see every row:")
            for table in rowSecured {
                lines.append(comment("--   CREATE POLICY \(Identifier.quote("retention_sees_all")) ON \(table.sql) FOR ALL TO \(grantee) USING (true) WITH CHECK (true);"))
            }
        }
        lines += [
            "-- the engine's own schema (migrations are applied by the owner, not by this role)",
            "GRANT USAGE ON SCHEMA retention TO \(grantee);",
            "GRANT SELECT ON TABLE retention.schema_migrations, retention.legal_holds TO \(grantee);",
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
        return lines.joined(separator: "\n") + "\n"
    }
}
