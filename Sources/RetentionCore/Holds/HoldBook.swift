import Postgres

/// Places and releases legal holds in the `retention` schema.
public struct HoldBook {
    public let connection: Connection

    public init(connection: Connection) { self.connection = connection }

    /// Why a hold could not be placed or released; nothing was changed.
    public enum HoldError: Error, Sendable, CustomStringConvertible {
        case unknownTenant(String, table: String)
        case unknownRule(String)
        /// The rule has no `tenantColumn`, so a hold on a tenant cannot keep any of its rows.
        case ruleWithoutTenants(String)
        case emptyReason
        case noSubjects(policy: String)
        /// `--subject` finds no row: no subject row, nor a target's row, holds the value.
        case namesNobody(column: String)
        /// `--subject` names several subject rows: not one person for certain.
        case namesSeveral(column: String, rows: Int64, table: String, key: String)
        /// The subjects map reaches a Citus table, where the engine cannot tell a person's rows.
        case personOnCitus(table: String)
        case noSuchHold(Int64)
        case alreadyReleased(Int64, at: String)

        public var description: String {
            switch self {
            case let .unknownTenant(tenant, table): return "tenant \"\(tenant)\" does not exist in \(table); check --tenant"
            case let .unknownRule(rule): return "the policy has no rule \"\(rule)\" (--rule)"
            case let .ruleWithoutTenants(rule): return "rule \"\(rule)\" (--rule) has no \"tenantColumn\", so a hold on a tenant can keep none of its rows; name a rule tied to tenants, or add \"tenantColumn\" to the rule"
            case .emptyReason: return "--reason must say why the data is held (a case number, a decision)"
            case let .noSubjects(policy): return "policy \"\(policy)\" has no \"subjects\" map, so it cannot find a person; add one to hold a person's rows"
            case let .namesNobody(column): return "--subject \(column)= names nobody: no row of the subject table or of a target holds the value; check the value (nothing was held)"
            case let .namesSeveral(column, rows, table, key): return "--subject \(column)= names \(rows) rows of \(table), so it is not one person for certain; name the person by \"\(key)\" (nothing was held)"
            case let .personOnCitus(table): return "the subjects map reaches \(table), a Citus table, where the engine cannot tell one person's rows by their HMAC; hold the person's tenant (--tenant) instead (nothing was held)"
            case let .noSuchHold(id): return "there is no legal hold \(id); see \"retention hold list --all\""
            case let .alreadyReleased(id, at): return "legal hold \(id) was already released at \(at)"
            }
        }
    }

    /// Places a hold on `tenant` (for every rule, or for `rule`); checks that the tenant exists
    /// in the policy's tenants table. Returns the new hold's id.
    public func add(tenant: String, reason: String, rule: String?, by person: String, policy: Policy) throws -> Int64 {
        guard !reason.trimmingWhitespace.isEmpty else { throw HoldError.emptyReason }
        if let name = rule {
            guard let found = policy.rule(named: name) else { throw HoldError.unknownRule(name) }
            guard found.tenantColumn != nil else { throw HoldError.ruleWithoutTenants(name) }
        }
        if let tenants = policy.tenants {
            guard try TenantKey.load(tenants, connection: connection).exists(tenant, connection: connection) else { throw HoldError.unknownTenant(tenant, table: tenants.table.description) }
        }
        return try connection.execute("""
            INSERT INTO retention.legal_holds (tenant, rule, reason, placed_by) VALUES ($1, $2, $3, $4) RETURNING hold_id
            """, [tenant, rule, reason, person]).int64()
    }

    /// Places a hold on the one person that `subject` (`NAME=VALUE`, as `request add --subject`)
    /// names, found as an erasure request finds them (`SubjectResolution`). Stores the HMAC under
    /// `key` of each of the person's values that is not ambiguous, and of each text of the
    /// person's rows in the targets' match columns (compared in the column's type, a `citext`
    /// row may hold another text), never a value. Refuses a value that finds no row, or that
    /// names more than one subject row. Returns the new hold's id.
    public func add(subject: String, reason: String, by person: String, policy: Policy, key: PseudonymKey) throws -> Int64 {
        guard !reason.trimmingWhitespace.isEmpty else { throw HoldError.emptyReason }
        guard let subjects = policy.subjects else { throw HoldError.noSubjects(policy: policy.name) }
        let given = try GivenValue(parsing: subject)
        let targets = try SubjectTargets.load(policy: policy, schema: Schema.load(for: policy, connection: connection), connection: connection)
        if let citus = ([targets.subjectTable] + targets.plans.map(\.table)).first(where: { $0.distribution.isCitus }) {
            throw HoldError.personOnCitus(table: citus.identifier.description)
        }
        try RequestBook.checkSubject(given, subjects: subjects, subjectTable: targets.subjectTable, connection: connection)
        let reach = try targets.reach(given, connection: connection)
        guard reach.findsSomebody else { throw HoldError.namesNobody(column: given.column) }
        guard reach.subjectRows <= 1 else {
            throw HoldError.namesSeveral(column: given.column, rows: reach.subjectRows, table: subjects.table.description, key: subjects.key)
        }
        try HMACPads(key: key.bytes).load(into: connection)
        let resolution = targets.resolution(.given(column: given.column), hashed: true)
        var builder = SQLBuilder()
        var hashes = ["""
            SELECT p.subject_column, \(HMACPads.sql(message: "convert_to(p.value, 'UTF8')")) \
            FROM (\(resolution.sql(&builder))) p(request_id, subject_column, value, ambiguous) WHERE NOT p.ambiguous
            """]
        let values = SubjectValues.requests(stored: [], resolving: resolution, people: targets.people)
        for plan in targets.plans {
            for match in plan.target.match where plan.table.column(match.column) != nil {
                let column = plan.column(match.column, "r")
                hashes.append("""
                    SELECT \(builder.bind(match.subjectColumn))::text, \(HMACPads.sql(message: "convert_to(\(column)::text, 'UTF8')")) \
                    FROM \(plan.personRows(values, &builder)) WHERE NOT m.ambiguous AND \(column) IS NOT NULL
                    """)
            }
        }
        let hold = builder.bind(given.column)
        let reasonText = builder.bind(reason)
        let placedBy = builder.bind(person)
        return try connection.execute("""
            WITH hold AS (INSERT INTO retention.legal_holds (subject_column, reason, placed_by) VALUES (\(hold), \(reasonText), \(placedBy)) RETURNING hold_id), \
            hashed AS (INSERT INTO retention.legal_hold_values (hold_id, subject_column, hmac) \
            SELECT DISTINCT h.hold_id, x.subject_column, x.hmac FROM hold h, (\(hashes.joined(separator: " UNION ALL "))) x(subject_column, hmac) \
            WHERE x.hmac IS NOT NULL) \
            SELECT hold_id FROM hold
            """, builder.parameters).int64()
    }

    /// Releases hold `id`, recording who released it and when.
    public func release(id: Int64, by person: String) throws {
        let found = try connection.execute("""
            SELECT \(SQLTime.isoUTC("released_at")) FROM retention.legal_holds WHERE hold_id = $1
            """, [String(id)])
        guard let row = found.rows.first else { throw HoldError.noSuchHold(id) }
        if let releasedAt = row[0] { throw HoldError.alreadyReleased(id, at: releasedAt) }
        try connection.execute("""
            UPDATE retention.legal_holds SET released_at = clock_timestamp(), released_by = $2 WHERE hold_id = $1 AND released_at IS NULL
            """, [String(id), person])
    }
}
