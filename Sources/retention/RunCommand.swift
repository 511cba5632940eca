import Foundation
import Postgres
import RetentionCore

/// `retention run`: parses the options, runs the policy, prints one line per rule.
enum RunCommand {
    static let options: [OptionSpec] = [
        .value("policy"), .value("database-url"), .flag("dry-run"), .value("as-of"), .value("rule", repeatable: true),
        .value("tenant"), .value("report"), .value("state-dir"), .value("batch-size"), .value("concurrency"),
        .value("max-runtime"), .value("pause"), .value("pseudonym-key-file"), .value("migrations-dir"),
        .value("metrics-file"), .value("log-format"),
    ]

    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(command: "run", raw, options: options)
        let policyPath = try arguments.required("policy")
        _ = try arguments.choice("log-format", ["text", "json"], default: "text")
        var runOptions = RunOptions()
        runOptions.dryRun = arguments.flag("dry-run")
        runOptions.asOf = try arguments.instant("as-of")
        runOptions.ruleNames = arguments.values("rule")
        runOptions.tenant = arguments.value("tenant")
        runOptions.batchSize = try arguments.integer("batch-size", range: 1...10_000_000)
        runOptions.concurrency = try arguments.integer("concurrency", range: 1...64) ?? 4
        runOptions.maxRuntime = try arguments.duration("max-runtime")
        runOptions.pauseMilliseconds = try arguments.integer("pause", range: 0...600_000) ?? 0
        // Files the run writes after changing data are checked before it changes anything.
        for option in ["report", "metrics-file"] {
            guard let path = arguments.value(option) else { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw UsageError(message: "cannot write --\(option) \"\(path)\": it is a directory; name a file", command: "run")
            }
            let directory = (path as NSString).deletingLastPathComponent
            guard FileManager.default.isWritableFile(atPath: directory.isEmpty ? "." : directory) else {
                throw UsageError(message: "cannot write --\(option) \"\(path)\": directory \"\(directory)\" does not exist or is not writable", command: "run")
            }
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
        let outcome: (report: RunReport, path: String)
        let started = Date()
        do {
            outcome = try runner.run()
        } catch let error as RunError {
            Output.error(error.description)
            return error.exitCode
        }
        if let reportPath = arguments.value("report") {
            try ReportStore.atomicWrite(Array(JSONWriter.write(outcome.report.json()).utf8), to: reportPath)
        }
        ProgressLine.clear()
        if let metricsPath = arguments.value("metrics-file") {
            try PrometheusMetrics.write(outcome.report, durationSeconds: Date().timeIntervalSince(started), to: metricsPath)
        }
        RunSummary.print(outcome.report, path: outcome.path)
        return outcome.report.exitCode
    }
}
