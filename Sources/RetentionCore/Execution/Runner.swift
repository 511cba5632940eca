import Foundation
import Postgres

/// Why a run did not start; nothing was changed.
public enum RunError: Error, Sendable, CustomStringConvertible {
    /// Another run of the same policy holds the lock on this database (exit 75).
    case locked(policy: String)
    /// The engine's schema is missing or old (exit 2).
    case notMigrated
    /// A usage problem found once connected (exit 2).
    case usage(String)
    /// `--tenant` names a tenant the tenants table does not have (exit 2).
    case unknownTenant(String, table: String)

    public var exitCode: ExitCode {
        switch self {
        case .locked: return .locked
        case .notMigrated, .usage, .unknownTenant: return .usage
        }
    }

    public var description: String {
        switch self {
        case let .locked(policy): return "another run of policy \"\(policy)\" holds the lock on this database; nothing was done"
        case .notMigrated: return "the \"retention\" schema is missing or out of date; run \"retention migrate\" first"
        case let .usage(message): return message
        case let .unknownTenant(tenant, table): return "tenant \"\(tenant)\" (--tenant) does not exist in \(table)"
        }
    }
}

/// Carries out `retention run`: checks the policy against the live schema, takes the run lock,
/// fixes `asOf`, runs the rules on a pool of workers in foreign-key order, records the results
/// and writes the report.
public struct Runner {
    public let policy: Policy
    public var options: RunOptions
    public let source: ConnectionSource
    public let migrations: [MigrationFile]
    public let state: StateDirectory
    public let stop: StopSignal
    /// Called about once a second while rules run, with where each running rule is.
    public var onProgress: (@Sendable ([RuleProgress]) -> Void)?

    public init(policy: Policy, options: RunOptions, source: ConnectionSource, migrations: [MigrationFile],
                state: StateDirectory, stop: StopSignal) {
        self.policy = policy
        self.options = options
        self.source = source
        self.migrations = migrations
        self.state = state
        self.stop = stop
    }

    /// Checks the options that need no database: rule names, and the key that hmac needs.
    public static func checkOptions(_ policy: Policy, _ options: RunOptions) throws {
        for name in options.ruleNames where policy.rule(named: name) == nil {
            throw RunError.usage("policy \"\(policy.name)\" has no rule \"\(name)\" (--rule); its rules are \(policy.rules.map(\.name).joined(separator: ", "))")
        }
        let selected = policy.rules.filter { options.ruleNames.isEmpty || options.ruleNames.contains($0.name) }
        for rule in selected {
            if case let .pseudonymise(spec) = rule.action, spec.needsKey, options.pseudonymKey == nil {
                throw PolicyError(problems: [PolicyProblem(rule: rule.name, key: "pseudonymise.columns", message: "strategy \"hmac\" needs the pseudonym key; give --pseudonym-key-file or set RETENTION_PSEUDONYM_KEY_FILE")])
            }
        }
    }

    public func run() throws -> (report: RunReport, path: String) {
        try Runner.checkOptions(policy, options)
        try state.reports.prepare()
        let control = try source.connect()
        try control.execute("SELECT set_config('TimeZone', $1, false), set_config('default_transaction_read_only', $2, false)",
                            [policy.timeZone, options.dryRun ? "on" : "off"])
        guard try Migrator(files: migrations).requireCurrent(control) else { throw RunError.notMigrated }
        let validation = try PolicyValidation.validate(policy, connection: control)
        guard validation.problems.isEmpty else { throw PolicyError(problems: validation.problems) }
        if !options.dryRun {
            let locked = try control.execute("SELECT pg_try_advisory_lock(hashtextextended('retention run ' || $1, 0))", [policy.name]).requiredScalar()
            guard locked == "t" else { throw RunError.locked(policy: policy.name) }
        }
        if let tenant = options.tenant, let tenants = policy.tenants, options.replay.isEmpty {
            guard try TenantKey(source: tenants, schema: validation.schema).exists(tenant, connection: control) else { throw RunError.unknownTenant(tenant, table: tenants.table.description) }
        }
        let runID = UUID().uuidString.lowercased()
        let times = try control.execute("SELECT \(SQLTime.isoUTC("coalesce($1::timestamptz, now())")), \(SQLTime.isoUTC("clock_timestamp()"))",
                                        [options.asOf]).rows[0]
        let asOf = try times.text(0)
        let startedAt = try times.text(1)
        let context = RunContext(policy: policy, options: options, source: source, ledger: state.ledger, runID: runID, asOf: asOf,
                                 schema: validation.schema, stop: stop)
        if !options.dryRun {
            try RunLedger.begin(runID: runID, policy: policy, rules: selectedRules, asOf: asOf, connection: control)
        }

        let scheduler = try makeScheduler(schema: validation.schema)
        runWorkers(context: context, scheduler: scheduler)

        let results = scheduler.executions.map(\.result)
        let stopReason = stop.stopReason
        let status: RunReport.Status = results.contains { $0.status == .failed } ? .failed
            : results.contains { $0.status != .ok } ? .interrupted : .ok
        var report = RunReport(runID: runID, policy: policy.name, policySHA256: policy.sha256, dryRun: options.dryRun,
                               asOf: asOf, startedAt: startedAt,
                               finishedAt: try control.execute("SELECT \(SQLTime.isoUTC("clock_timestamp()"))").requiredScalar(),
                               status: status, stopReason: status == .ok ? nil : stopReason, previousReportSHA256: nil, rules: results,
                               warnings: validation.warnings.map(\.description), replayed: options.replay)
        let written = try state.reports.write(report)
        report = report.withPrevious(from: written.path)
        if !options.dryRun {
            try RunLedger.finish(runID: runID, status: status.rawValue, reportSHA256: written.sha256, connection: control)
            do {
                try state.ledger.compact(before: ledgerHorizon)
            } catch {
                report.warnings.append("the erasure ledger was not compacted: \(error)")
            }
        }
        return (report, written.path)
    }

    /// Ledger entries older than the longest backup period (`purge-files`) plus 30 days cannot be
    /// needed by any restore; without a backup rule, entries are kept 400 days.
    var ledgerHorizon: Date {
        let periods = policy.rules.compactMap { rule -> Period? in
            if case .purgeFiles = rule.action { return rule.due.after }
            return nil
        }
        let days = periods.map { $0.months * 31 + $0.days + 30 }.max() ?? 400
        return Date().addingTimeInterval(-Double(days) * 86400)
    }

    /// The rules this run works on: `--rule` narrows by name, `--tenant` to rules tied to tenants.
    var selectedRules: [Rule] {
        policy.rules.filter { rule in
            (options.ruleNames.isEmpty || options.ruleNames.contains(rule.name)) && (options.tenant == nil || rule.tenantColumn != nil)
        }
    }

    private func makeScheduler(schema: Schema) throws -> Scheduler {
        let selected = selectedRules
        let order: [String: Set<String>]
        switch RuleOrder.dependencies(selected, schema: schema) {
        case let .success(found): order = found
        case let .failure(cycle): throw PolicyError(problems: [cycle])
        }
        let covered = Set(policy.rules.filter(\.removesRows).compactMap { schema.table(of: $0)?.identifier })
        let executions = selected.map { rule in
            RuleExecution(rule: rule, plan: schema.table(of: rule).map {
                RulePlan(rule: rule, table: $0, schema: schema, pseudonymKey: options.pseudonymKey, coveredTables: covered)
            })
        }
        return Scheduler(executions: executions, waitsFor: order, stop: stop)
    }

    private func runWorkers(context: RunContext, scheduler: Scheduler) {
        let group = DispatchGroup()
        for _ in 0..<max(1, options.concurrency) {
            group.enter()
            let thread = Thread {
                Worker(context: context, scheduler: scheduler).run()
                group.leave()
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
        if let onProgress {
            while group.wait(timeout: .now() + 1) == .timedOut {
                onProgress(scheduler.progress())
            }
        } else {
            group.wait()
        }
    }
}

extension RunReport {
    /// The report as written, with the chain link the store filled in.
    func withPrevious(from path: String) -> RunReport {
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8),
              let value = try? JSONParser.parse(text),
              case let .string(previous)? = value["previousReportSha256"] else { return self }
        var copy = self
        copy.previousReportSHA256 = previous
        return copy
    }
}
