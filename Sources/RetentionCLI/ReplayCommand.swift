import Foundation
import Postgres
import RetentionCore

/// `retention replay`: re-applies the erasures recorded since a backup was taken.
enum ReplayCommand {
    static let spec = CommandSpec(
        name: "replay",
        summary: """
            retention replay re-applies, after a database restore, every erasure recorded in the
            erasure ledger since the backup was taken, in one run: the same rules, whatever the
            restored rows say. Run it after every restore, before the application is let back in.
            """,
        usage: ["retention replay --policy=FILE --since=TIME [OPTION]..."],
        options: [
            CommonOptions.concurrency,
            .flag("dry-run", "count what would be erased again; change nothing"),
            CommonOptions.migrationsDir, CommonOptions.policy, CommonOptions.pseudonymKeyFile,
            .value("since", "TIME", "when the restored backup was taken (ISO 8601)"),
            CommonOptions.stateDir,
            CommonOptions.databaseURL,
        ],
        page: .operations)

    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(spec, raw)
        let policyPath = try arguments.required("policy")
        guard let since = try arguments.instant("since") else { throw UsageError(message: "option --since is required", command: "replay") }
        var options = RunOptions()
        options.dryRun = arguments.flag("dry-run")
        options.concurrency = try arguments.integer("concurrency", range: 1...64) ?? 4
        let policy = try PolicyParser.load(path: policyPath)
        options.pseudonymKey = try Commands.pseudonymKey(arguments)
        let stop = StopSignal()
        stop.handleSignals()
        let replay = Replay(base: Runner(policy: policy, options: options, source: ConnectionSource.resolve(databaseURL: arguments.value("database-url")),
                                         migrations: try Commands.migrations(arguments),
                                         state: StateDirectory.resolve(option: arguments.value("state-dir")), stop: stop))
        let outcome = try replay.run(since: since)
        if !outcome.damagedLines.isEmpty {
            Output.warning("erasure ledger lines \(outcome.damagedLines.map(String.init).joined(separator: ", ")) are damaged and were skipped")
        }
        for entry in outcome.unknownRules {
            Output.warning("ledger entry for rule \"\(entry.rule)\" (\(entry.tenant.map { "tenant \($0)" } ?? "partition \(entry.partition ?? "?")"), run \(entry.runID)) not replayed: the policy has no such rule")
        }
        for (request, target) in outcome.unknownTargets {
            Output.warning("ledger entry of erasure request \(request) names target \"\(target)\", which the policy no longer has: its rows were not erased again; restore the target's definition (or its old name) and replay again")
        }
        Output.out("\(options.dryRun ? "dry run of replay" : "replay") since \(since): \(outcome.entries) ledger entries, \(outcome.tenants.count) tenants")
        if !outcome.tenants.isEmpty {
            let shown = outcome.tenants.prefix(20).joined(separator: ", ")
            Output.out("  tenants: \(shown)\(outcome.tenants.count > 20 ? " and \(outcome.tenants.count - 20) more" : "")")
        }
        if !outcome.requests.isEmpty {
            Output.out("  erasure requests: \(outcome.requests.map(String.init).joined(separator: ", "))")
        }
        if let (report, path) = outcome.run {
            let totals = report.totals
            Output.out("  rules \(report.rules.map(\.name).joined(separator: ", ")): matched \(totals.matched), affected \(totals.affected), \(report.status.rawValue) (report \(path))")
            let affected = report.requests.flatMap(\.targets).reduce(0) { $0 + $1.affected }
            if !report.requests.isEmpty { Output.out("  erasure requests: affected \(affected)") }
        }
        let failed = outcome.run.map { $0.report.status != .ok } == true || !outcome.unknownRules.isEmpty || !outcome.unknownTargets.isEmpty
        return failed ? .failure : .success
    }
}
