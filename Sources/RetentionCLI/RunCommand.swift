import Foundation
import Postgres
import RetentionCore

/// `retention run`: parses the options, runs the policy, prints one line per rule.
enum RunCommand {
    static let spec = CommandSpec(
        name: "run",
        summary: """
            retention run enforces a policy: rows that are due are deleted, pseudonymised or
            aggregated in short batches, legal holds are respected, and a report is written.
            """,
        usage: ["retention run --policy=FILE [OPTION]..."],
        options: [
            .flag("analyze", "ANALYZE every table a rule changed, after the rule"),
            .value("as-of", "TIME", "compute cutoffs as of TIME (ISO 8601; default: the database's now())"),
            .value("batch-size", "N", "at most N rows in one batch (default: sized to a short transaction)"),
            CommonOptions.concurrency,
            .flag("dry-run", "count what is due in READ ONLY transactions; change nothing"),
            .value("log-format", "FORMAT", "text or json: log lines on stderr as JSON objects (journald)"),
            CommonOptions.maxReplicaLag, CommonOptions.maxSlotLag,
            .value("max-runtime", "DURATION", "stop starting batches after DURATION (90s, 30m, 2h, PT2H)"),
            .value("metrics-database", "NAME", "label every metric database=\"NAME\" (one file per database of a fleet)"),
            .value("metrics-file", "FILE", "write Prometheus metrics to FILE (node exporter textfile collector)"),
            CommonOptions.migrationsDir,
            .value("pause", "MS", "sleep MS milliseconds between batches"),
            CommonOptions.policy, CommonOptions.pseudonymKeyFile,
            .flag("no-requests", "process no erasure requests (default: every open one, before the rules)"),
            .flag("refresh-views", "refresh the materialized views that read a table a rule changed, after the rule"),
            .value("report", "FILE", "also write the JSON report to FILE"),
            .value("request", "ID", "process only erasure request ID, and no rules"),
            .value("rule", "NAME", "run only rule NAME (repeatable)", repeatable: true),
            CommonOptions.stateDir,
            .value("tenant", "ID", "touch only the rows of tenant ID (rules tied to tenants only)"),
            .flag("vacuum", "VACUUM (ANALYZE) every table a rule changed, after the rule"),
            CommonOptions.databaseURL,
        ],
        page: .commands,
        notes: """
            A table the application holds locked (LOCK TABLE, a migration) is waited for with
            back-off for up to 10 minutes (within --max-runtime); the report gives the wait as lockWaitMs.
            Waiting for standbys and slots (--max-replica-lag, --max-slot-lag) counts towards
            --max-runtime and is reported as throttledMs; the role needs pg_monitor to see the lag.
            --analyze and --vacuum do not run in a dry run; their time is reported as tableHygieneMs.
            --refresh-views refreshes CONCURRENTLY where the view has a unique index (not in a dry
            run); the views and the time are reported as viewsRefreshed and viewsRefreshMs.
            """)

    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(spec, raw)
        let policyPath = try arguments.required("policy")
        Output.jsonLogs = try arguments.choice("log-format", ["text", "json"], default: "text") == "json"
        var runOptions = RunOptions()
        runOptions.dryRun = arguments.flag("dry-run")
        runOptions.asOf = try arguments.instant("as-of")
        runOptions.ruleNames = arguments.values("rule")
        runOptions.tenant = arguments.value("tenant")
        runOptions.batchSize = try arguments.integer("batch-size", range: 1...10_000_000)
        runOptions.concurrency = try arguments.integer("concurrency", range: 1...64) ?? 4
        runOptions.maxRuntime = try arguments.duration("max-runtime")
        runOptions.pauseMilliseconds = try arguments.integer("pause", range: 0...600_000) ?? 0
        runOptions.skipRequests = arguments.flag("no-requests")
        if let text = arguments.value("request") {
            guard let id = Int64(text), id > 0 else { throw UsageError(message: "invalid value \"\(text)\" for option --request", command: "run") }
            runOptions.requestID = id
        }
        runOptions.throttle = try CommonOptions.throttle(arguments)
        switch (arguments.flag("analyze"), arguments.flag("vacuum")) {
        case (true, true): throw UsageError(message: "give --analyze or --vacuum, not both (--vacuum also analyzes)", command: "run")
        case (true, false): runOptions.tableHygiene = .analyze
        case (false, true): runOptions.tableHygiene = .vacuum
        case (false, false): runOptions.tableHygiene = nil
        }
        runOptions.refreshViews = arguments.flag("refresh-views")
        // Files the run writes after changing data are checked before it changes anything.
        let reportPath = try arguments.outputFile("report")
        let metricsPath = try arguments.outputFile("metrics-file")
        let metricsDatabase = arguments.value("metrics-database")
        if metricsDatabase != nil, metricsPath == nil {
            throw UsageError(message: "--metrics-database labels the metrics of --metrics-file; give both", command: "run")
        }
        let policy = try PolicyParser.load(path: policyPath)
        runOptions.pseudonymKey = try Commands.pseudonymKey(arguments)
        do {
            try Runner.checkOptions(policy, runOptions)
        } catch let error as RunError {
            throw UsageError(message: error.description, command: "run")
        }
        let stop = StopSignal(maxRuntime: runOptions.maxRuntime)
        stop.handleSignals()
        var runner = Runner(policy: policy, options: runOptions,
                            source: ConnectionSource.resolve(databaseURL: arguments.value("database-url")),
                            migrations: try Commands.migrations(arguments),
                            state: StateDirectory.resolve(option: arguments.value("state-dir")),
                            stop: stop)
        if isatty(STDERR_FILENO) == 1, !Output.jsonLogs {
            runner.onProgress = { ProgressLine.show($0) }
        }
        let started = Date()
        let outcome = try runner.run()
        if let reportPath {
            // The chained report's own bytes: the copy and the chain never differ (warnings found
            // after it was written, such as a failed ledger compaction, go to stderr only).
            guard let bytes = FileManager.default.contents(atPath: outcome.path) else {
                throw ReportStoreError("could not read the report just written, \"\(outcome.path)\"")
            }
            try ReportStore.atomicWrite(Array(bytes), to: reportPath)
        }
        ProgressLine.clear()
        if let metricsPath {
            try PrometheusMetrics.write(outcome.report, durationSeconds: Date().timeIntervalSince(started),
                                         database: metricsDatabase, to: metricsPath)
        }
        RunSummary.print(outcome.report, path: outcome.path)
        return outcome.report.exitCode
    }
}
