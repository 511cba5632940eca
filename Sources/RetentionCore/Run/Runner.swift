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
    /// `--request` names no open request of the policy (exit 2).
    case requestNotOpen(Int64, String)
    /// `--tenant` names a tenant the tenants table does not have (exit 2).
    case unknownTenant(String, table: String)
    /// The state directory lost the reports or the ledger of earlier runs (exit 2).
    case stateLost(String)
    /// The run lock's session ended and the lock could not be taken again; the run stops.
    case lockLost(String)

    public var exitCode: ExitCode {
        switch self {
        case .locked: return .locked
        case .notMigrated, .usage, .unknownTenant, .stateLost, .requestNotOpen: return .usage
        case .lockLost: return .failure
        }
    }

    public var description: String {
        switch self {
        case let .locked(policy): return "another run of policy \"\(policy)\" holds the lock on this database; nothing was done"
        case .notMigrated: return "the \"retention\" schema is missing or out of date; run \"retention migrate\" first"
        case let .usage(message): return message
        case let .requestNotOpen(id, why): return "erasure request \(id) (--request) \(why); see \"retention request list --all\""
        case let .unknownTenant(tenant, table): return "tenant \"\(tenant)\" (--tenant) does not exist in \(table)"
        case let .stateLost(message), let .lockLost(message): return message
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
        if options.requestID != nil, options.skipRequests {
            throw RunError.usage("--request and --no-requests exclude each other")
        }
        if options.requestID != nil, options.tenant != nil {
            throw RunError.usage("--request processes one erasure request and no rules; leave out --tenant")
        }
        if options.requestID != nil, !options.ruleNames.isEmpty {
            throw RunError.usage("--request processes one erasure request and no rules; leave out --rule")
        }
        if options.requestID != nil, policy.subjects == nil {
            throw RunError.usage("policy \"\(policy.name)\" has no \"subjects\" map, so it has no erasure requests (--request)")
        }
        if policy.subjects != nil, processesRequests(options), !options.dryRun, options.pseudonymKey == nil {
            throw PolicyError(problems: [PolicyProblem(rule: nil, key: "subjects", message: "erasure requests need the pseudonym key (a completed request keeps only the HMAC of its identifier); give --pseudonym-key-file or set RETENTION_PSEUDONYM_KEY_FILE, or --no-requests")])
        }
        if !options.replaySubjects.isEmpty, !options.dryRun, options.pseudonymKey == nil {
            throw PolicyError(problems: [PolicyProblem(rule: nil, key: "subjects", message: "replaying erasure requests finds the person's rows by the HMAC of their values; give --pseudonym-key-file or set RETENTION_PSEUDONYM_KEY_FILE")])
        }
        let selected = policy.rules.filter { options.ruleNames.isEmpty || options.ruleNames.contains($0.name) }
        for rule in selected {
            if case let .pseudonymise(spec) = rule.action, spec.needsKey, options.pseudonymKey == nil {
                throw PolicyError(problems: [PolicyProblem(rule: rule.name, key: "pseudonymise.columns", message: "strategy \"hmac\" needs the pseudonym key; give --pseudonym-key-file or set RETENTION_PSEUDONYM_KEY_FILE")])
            }
        }
    }

    /// Whether a run with `options` processes erasure requests: not with `--no-requests`, and not
    /// in a run narrowed to one tenant (`--tenant`) or a replay.
    static func processesRequests(_ options: RunOptions) -> Bool {
        !options.skipRequests && options.tenant == nil && options.replay.isEmpty && options.replaySubjects.isEmpty
    }

    public func run() throws -> (report: RunReport, path: String) {
        try Runner.checkOptions(policy, options)
        try state.reports.prepare()
        let runLock = try RunLock(policy: policy, source: source, dryRun: options.dryRun)
        let validation = try runLock.withConnection { control -> PolicyValidation.Result in
            guard try Migrator(files: migrations).requireCurrent(control) else { throw RunError.notMigrated }
            let validation = try PolicyValidation.validate(policy, connection: control)
            guard validation.problems.isEmpty else { throw PolicyError(problems: validation.problems) }
            if options.batchSize != nil {
                for rule in selectedRules {
                    guard let table = validation.schema.table(of: rule), case let .success(path) = BatchPath.placement(rule: rule, table: table),
                          !path.locksRowsFirst else { continue }
                    throw RunError.usage("--batch-size locks a batch's rows first through a ctid subquery, which Citus refuses on \(table.identifier) (rule \"\(rule.name)\"); leave --batch-size out (batches are sized by time)")
                }
            }
            if let tenant = options.tenant, let tenants = policy.tenants, options.replay.isEmpty {
                guard try TenantKey(source: tenants, schema: validation.schema).exists(tenant, connection: control) else {
                    throw RunError.unknownTenant(tenant, table: tenants.table.description)
                }
            }
            try checkPrivileges(control, schema: validation.schema)
            if !options.dryRun { try checkStateDirectory(control) }
            return validation
        }
        // How the run's sessions tell a held person's rows: by HMAC when they have the pseudonym
        // pads (a key was given), else every row of the tables such a hold reaches is held while one is in force.
        let personHoldReading = try runLock.withConnection { try PersonHolds.Reading.session(key: options.pseudonymKey, policy: policy, $0) }
        let subjectTargets = try policy.subjects.map { _ in
            try runLock.withConnection { try SubjectTargets.load(policy: policy, schema: validation.schema, connection: $0, personHolds: personHoldReading) }
        }
        let requests = try runLock.withConnection { try requestsToProcess($0, subjects: subjectTargets) }
        let chainStart = try state.reports.lastLink()
        let runID = UUID().uuidString.lowercased()
        let times = try runLock.withConnection { try $0.execute(RunStatements.runTimes, [options.asOf]).onlyRow() }
        let asOf = try times.text(0)
        let startedAt = try times.text(1)
        let context = RunContext(policy: policy, options: options, source: source, ledger: state.ledger, runID: runID, asOf: asOf,
                                 schema: validation.schema, stop: stop, runLock: runLock)
        if !options.dryRun {
            try state.ledger.create()
            try runLock.withConnection { try RunLedger.begin(runID: runID, policy: policy, rules: selectedRules, asOf: asOf, connection: $0) }
        }

        let scheduler = try makeScheduler(schema: validation.schema, personHoldReading: personHoldReading)
        // Erasure requests go first: a rule that deletes a person's subject row would set the
        // references to it NULL (or cascade) and unlink the person's rows before the request
        // finds them.
        let requestResults = subjectTargets.map { targets -> [RequestResult] in
            let processing = RequestProcessing(context: context, targets: targets)
            return options.replaySubjects.isEmpty ? processing.run(requests) : processing.replay(options.replaySubjects)
        } ?? []
        runWorkers(context: context, scheduler: scheduler)
        // After the rules: a rule that removed the kept rows tonight frees what they kept.
        let followUpFailure = subjectTargets.flatMap { targets -> String? in
            guard !options.dryRun, Runner.processesRequests(options), options.requestID == nil else { return nil }
            return RequestProcessing(context: context, targets: targets).followUps()
        }

        let openRequests = try? runLock.withConnection { control -> (Int64, Int64)? in
            guard policy.subjects != nil else { return nil }
            let row = try control.execute(RequestStatements.openCounts).onlyRow()
            return (try row.int64(0), try row.int64(1))
        }
        let results = scheduler.results
        var warnings = validation.warnings.map(\.description)
        // The state directory must still hold what the run started from.
        var stateLost = false
        if let chainStart, !FileManager.default.fileExists(atPath: chainStart.path) {
            warnings.append("the report this run follows (\(chainStart.path)) vanished during the run; the state directory was removed or replaced")
            stateLost = true
        }
        if !options.dryRun, !state.ledger.exists {
            warnings.append("the erasure ledger (\(state.ledger.path)) vanished during the run; rules that erase stopped erasing")
            stateLost = true
        }
        if let followUpFailure { warnings.append(followUpFailure) }
        let stopReason = stop.stopReason
        let status: RunReport.Status = (stateLost || followUpFailure != nil || results.contains { $0.status == .failed } || requestResults.contains(where: \.isFailure)) ? .failed
            : (results.contains { $0.status != .ok } || requestResults.contains(where: \.isInterrupted)) ? .interrupted : .ok
        let finishedAt = (try? runLock.withConnection { try $0.execute(RunStatements.now).requiredScalar() }) ?? Timestamps.now()
        let report = RunReport(runID: runID, policy: policy.name, policySHA256: policy.sha256, dryRun: options.dryRun,
                               asOf: asOf, startedAt: startedAt, finishedAt: finishedAt,
                               status: status, stopReason: status == .ok ? nil : stopReason, previousReportSHA256: nil, rules: results,
                               warnings: warnings, replayed: options.replay, requests: requestResults, openRequests: openRequests ?? nil)
        var written = try state.reports.write(report, after: chainStart)
        if !options.dryRun {
            do {
                try runLock.withConnection { try RunLedger.finish(runID: runID, status: status.rawValue, reportSHA256: written.sha256, connection: $0) }
            } catch {
                written.report.warnings.append("the run's end could not be recorded in the database: \(Worker.describe(error))")
            }
            do {
                try state.ledger.compact(before: ledgerHorizon)
            } catch {
                written.report.warnings.append("the erasure ledger was not compacted: \(error)")
            }
        }
        return (written.report, written.path)
    }

    /// Before a run changes anything: the state directory must hold the report of the last run
    /// the database recorded, and the erasure ledger, or they were lost (a new report chain and
    /// an empty ledger would hide that, and a restore would then bring erased rows back).
    private func checkStateDirectory(_ control: Connection) throws {
        guard let lastRun = try control.execute(RunStatements.lastReportedRun, [policy.name]).rows.first?[0] else { return }
        guard try state.reports.hasReport(ofRun: lastRun) else {
            throw RunError.stateLost("the state directory \"\(state.path)\" has no report of the last run (\(lastRun)) that the database recorded: its reports and erasure ledger were lost, or this is another directory; restore it from its backup (or pass the right --state-dir) before running")
        }
        guard state.ledger.exists else {
            throw RunError.stateLost("the erasure ledger \"\(state.ledger.path)\" is missing although earlier runs were recorded; restore it from the state directory's backup (if no run ever erased anything, create it empty: touch \(state.ledger.path))")
        }
    }

    /// The lag views the throttle reads and, unless this is a dry run, the tables `--analyze` or
    /// `--vacuum` will maintain and the views `--refresh-views` will refresh must be open to the run's role: else the run would see no lag or
    /// PostgreSQL would skip the tables with a mere warning.
    private func checkPrivileges(_ control: Connection, schema: Schema) throws {
        var problems = try ThrottleAccess.problems(options.throttle, connection: control)
        if !options.dryRun, options.tableHygiene != nil || options.refreshViews {
            let plans = selectedRules.compactMap { rule in schema.table(of: rule).map { RulePlan(rule: rule, table: $0, schema: schema) } }
            if let hygiene = options.tableHygiene { problems += try TableHygiene.problems(hygiene, plans: plans, connection: control) }
            if options.refreshViews { problems += ViewRefresh.problems(plans: plans, schema: schema) }
        }
        guard problems.isEmpty else { throw RunError.usage(problems.joined(separator: "\n")) }
    }

    /// Ledger entries older than the longest backup period (`purge-files`, `expire-backups`) plus 30 days cannot be
    /// needed by any restore; without a backup rule, entries are kept 400 days.
    var ledgerHorizon: Date {
        let periods = policy.rules.compactMap { rule -> Period? in
            rule.action.kind.actsOnTable ? nil : rule.due.after
        }
        let days = periods.map { $0.months * 31 + $0.days + 30 }.max() ?? 400
        return Date().addingTimeInterval(-Double(days) * 86400)
    }

    /// The open requests this run processes, in the order received: every open request of the
    /// database (a request belongs to the database, not to the policy's name, which a re-issued
    /// policy may change), or `--request`'s; none without subjects or with `--no-requests`.
    private func requestsToProcess(_ control: Connection, subjects: SubjectTargets?) throws -> [ErasureRequest] {
        guard subjects != nil, Runner.processesRequests(options) else { return [] }
        guard let id = options.requestID else {
            return try ErasureRequest.list(all: false, overdue: false, control)
        }
        guard let request = try ErasureRequest.find(id, control) else {
            throw RunError.requestNotOpen(id, "does not exist")
        }
        guard request.status == .open else { throw RunError.requestNotOpen(id, "is \(request.status.rawValue)") }
        return [request]
    }

    /// The rules this run works on: `--rule` narrows by name, `--tenant` to rules tied to tenants;
    /// none with `--request`.
    var selectedRules: [Rule] {
        guard options.requestID == nil, !options.skipRules else { return [] }
        return policy.rules.filter { rule in
            (options.ruleNames.isEmpty || options.ruleNames.contains(rule.name)) && (options.tenant == nil || rule.tenantColumn != nil)
        }
    }

    private func makeScheduler(schema: Schema, personHoldReading: PersonHolds.Reading) throws -> Scheduler {
        let selected = selectedRules
        let order: [String: Set<String>]
        switch RuleOrder.dependencies(selected, schema: schema) {
        case let .success(found): order = found
        case let .failure(cycle): throw PolicyError(problems: [cycle])
        }
        let covered = schema.tablesEmptied(by: policy.rules)
        let rules = selected.map { rule in
            (rule, schema.table(of: rule).map {
                RulePlan(rule: rule, table: $0, schema: schema, coveredTables: covered,
                         personHolds: PersonHolds.of($0, policy: policy, schema: schema, reading: personHoldReading))
            })
        }
        return Scheduler(rules: rules, waitsFor: order, stop: stop)
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
