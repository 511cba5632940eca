import Foundation
import Postgres

/// `retention audit`: whether every promise of the policy holds at `asOf`. Only reads: every
/// transaction of its session is READ ONLY, files and backup sets are only listed.
public struct AuditReport: Sendable {
    public var policy: String
    public var asOf: String
    public var grace: AuditGrace
    public var promises: [Promise]

    public var broken: [Promise] { promises.filter { $0.verdict == .broken } }
}

public enum Audit {
    /// Audits `policy` on `connection` at `asOf` (nil: now). `tenant`: only the rules tied to
    /// tenants, for that tenant's rows (the Owner's report); no requests, files or backups.
    /// `pseudonymKey`: the rows of a person under a hold are told by their HMAC; without it,
    /// every row of a table such a hold reaches counts as held while one is in force. Only a
    /// policy with subjects has such holds (and only then does the session take the pads).
    public static func run(policy: Policy, asOf: String?, grace: AuditGrace, tenant: String? = nil, pseudonymKey: PseudonymKey? = nil,
                           connection: Connection) throws -> AuditReport {
        if let pseudonymKey, policy.subjects != nil { try HMACPads(key: pseudonymKey.bytes).load(into: connection) }
        try connection.execute("SET default_transaction_read_only = on")
        // A table the application holds locked for longer leaves its promise unproven, not the audit stuck.
        try connection.execute("SET lock_timeout = '1min'")
        try PolicyTime.enterSession(policy.timeZone, connection)
        let validation = try PolicyValidation.validate(policy, connection: connection)
        guard validation.problems.isEmpty else { throw PolicyError(problems: validation.problems) }
        let schema = validation.schema
        let times = try connection.execute(AuditStatements.instants, [asOf, grace.intervalText]).onlyRow()
        let auditAsOf = try times.text(0)
        let instant = try times.text(1)
        let asOfEpoch = Double(try times.text(2)) ?? Date().timeIntervalSince1970

        let covered = schema.tablesEmptied(by: policy.rules)
        var plans: [(plan: RulePlan, bounds: RuleBounds)] = []
        let reading = try PersonHolds.Reading.session(key: pseudonymKey, policy: policy, connection)
        for rule in policy.rules where tenant == nil || rule.tenantColumn != nil {
            guard let table = schema.table(of: rule) else { continue }
            let plan = RulePlan(rule: rule, table: table, schema: schema, coveredTables: covered,
                                personHolds: PersonHolds.of(table, policy: policy, schema: schema, reading: reading))
            let bounds = try RuleStart.bounds(for: rule, policy: policy, asOf: instant, replay: [], onlyTenant: tenant, connection: connection)
            plans.append((plan, bounds))
        }
        var promises: [Promise] = []
        for rule in policy.rules {
            if let entry = plans.first(where: { $0.plan.rule.name == rule.name }) {
                do {
                    promises.append(try RuleAudit.promise(entry.plan, bounds: entry.bounds, referencing: referencing(entry.plan, among: plans),
                                                          policy: policy, schema: schema, asOf: auditAsOf, connection: connection))
                } catch let error as PostgresError where !error.isConnectionLost {
                    // A count that could not finish (a lock held past lock_timeout) leaves the promise unproven.
                    promises.append(Promise(kind: .rule, name: rule.name, overdue: Promise.Overdue(), error: error.description))
                }
                continue
            }
            guard tenant == nil else { continue }
            switch rule.action {
            case let .purgeFiles(spec):
                promises.append(try files(rule, spec, instant: instant, asOf: auditAsOf, asOfEpoch: asOfEpoch, connection: connection))
            case let .expireBackups(spec):
                promises.append(try backups(rule, spec, instant: instant, asOf: auditAsOf, connection: connection))
            case .delete, .pseudonymise, .aggregate:
                break
            }
        }
        let lastRuns = try connection.execute(AuditStatements.lastRuns, [policy.name]).rows
        for (index, promise) in promises.enumerated() where promise.kind != .requests {
            guard let row = lastRuns.first(where: { $0[0] == promise.name }) else { continue }
            promises[index].lastRun = Promise.LastRun(startedAt: try row.text(1), runStatus: try row.text(2), status: row[3], error: row[4])
        }
        if tenant == nil, policy.subjects != nil {
            promises.append(try requests(asOf: auditAsOf, connection: connection))
        }
        return AuditReport(policy: policy.name, asOf: auditAsOf, grace: grace, promises: promises)
    }

    /// The name of the erasure requests' promise.
    public static let requestsName = "erasure-requests"

    /// The rules that remove rows from the tables whose keys block `plan`'s rows.
    private static func referencing(_ plan: RulePlan, among plans: [(plan: RulePlan, bounds: RuleBounds)]) -> [Identifier: [CountStatement.ReferencingRule]] {
        var result: [Identifier: [CountStatement.ReferencingRule]] = [:]
        for root in Set(plan.blockingKeys.map(\.referencingRoot)) {
            let rules = plans.filter { $0.plan.rule.removesRows && $0.plan.table.identifier == root }
            if !rules.isEmpty { result[root] = rules.map { CountStatement.ReferencingRule(plan: $0.plan, bounds: $0.bounds) } }
        }
        return result
    }

    /// Open requests past their deadline at `asOf` (no grace: the deadline is the law's), and
    /// those due within 7 days.
    private static func requests(asOf: String, connection: Connection) throws -> Promise {
        let row = try connection.execute(AuditStatements.requests, [asOf]).onlyRow()
        var promise = Promise(kind: .requests, name: requestsName, overdue: Promise.Overdue(pending: try row.int64(0)))
        promise.overdueSince = row[1]
        promise.overdueDays = row[2] == nil ? nil : try row.int64(2)
        promise.dueSoon = try row.int64(3)
        return promise
    }

    /// Files of a `purge-files` rule older than the period plus the grace, listed, never removed.
    private static func files(_ rule: Rule, _ spec: FileSpec, instant: String, asOf: String, asOfEpoch: Double, connection: Connection) throws -> Promise {
        var promise = Promise(kind: .files, name: rule.name, overdue: Promise.Overdue())
        let cutoff = try connection.execute(RunStatements.backupCutoff, [instant, rule.due.after.intervalText]).onlyRow()
        do {
            let listing = try FilePurge(spec: spec, cutoff: Double(try cutoff.text(1)) ?? 0, dryRun: true).run(now: asOfEpoch)
            let due = listing.files.filter { $0.state == .due }
            promise.overdue.pending = Int64(due.count)
            if let oldest = due.map(\.ageDays).max() {
                try since(&promise, anchorEpoch: asOfEpoch - oldest * 86400, after: rule.due.after, asOf: asOf, connection: connection)
            }
            if !listing.directoryErrors.isEmpty { promise.error = listing.directoryErrors.joined(separator: "; ") }
        } catch {
            promise.error = "\(error)"
        }
        return promise
    }

    /// Backup sets of an `expire-backups` rule that started before the period plus the grace,
    /// from `pgbackrest info`; nothing is expired.
    private static func backups(_ rule: Rule, _ spec: PgBackRestSpec, instant: String, asOf: String, connection: Connection) throws -> Promise {
        var promise = Promise(kind: .backups, name: rule.name, overdue: Promise.Overdue())
        let cutoff = Double(try connection.execute(RunStatements.backupCutoff, [instant, rule.due.after.intervalText]).onlyRow().text(1)) ?? 0
        do {
            let due = try PgBackRestCommand(spec: spec).info().sets.filter { Double($0.start) < cutoff }
            promise.overdue.pending = Int64(due.count)
            if let oldest = due.map(\.start).min() {
                try since(&promise, anchorEpoch: Double(oldest), after: rule.due.after, asOf: asOf, connection: connection)
            }
        } catch {
            promise.error = "\(error)"
        }
        return promise
    }

    private static func since(_ promise: inout Promise, anchorEpoch: Double, after: Period, asOf: String, connection: Connection) throws {
        var builder = SQLBuilder()
        let anchor = "to_timestamp(\(builder.bind(String(anchorEpoch)))::float8)"
        let sql = AuditStatements.dueSince(anchor: anchor, after: after, asOf: asOf, &builder)
        guard let row = try connection.execute(sql, builder.parameters).rows.first else { return }
        promise.overdueSince = try row.text(0)
        promise.overdueDays = try row.int64(1)
    }
}
