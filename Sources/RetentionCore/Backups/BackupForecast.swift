import Postgres

/// What each `expire-backups` rule would expire if it ran now, for `validate`: the repository is
/// read (`pgbackrest info`), nothing is expired.
public struct BackupForecast: Sendable {
    public var rule: String
    /// The sets past the age now, and those that would go or stay with them.
    public var sets: [BackupExpiry.SetOutcome]
    /// Why the repository could not be read, or what the operator must hear of.
    public var problem: String?
    public var warnings: [String]

    public static func today(_ policy: Policy, connection: Connection) throws -> [BackupForecast] {
        var forecasts: [BackupForecast] = []
        for rule in policy.rules {
            guard case let .expireBackups(spec) = rule.action else { continue }
            let now = try RunStatements.nowText(connection)
            let row = try connection.execute(RunStatements.backupCutoff, [now, rule.due.after.intervalText]).onlyRow()
            let expiry = BackupExpiry(spec: spec, cutoff: Double(try row.text(1)) ?? 0, period: rule.due.after, dryRun: true)
            do {
                let outcome = try expiry.run()
                forecasts.append(BackupForecast(rule: rule.name, sets: outcome.sets, problem: nil, warnings: outcome.warnings))
            } catch {
                forecasts.append(BackupForecast(rule: rule.name, sets: [], problem: "\(error)", warnings: []))
            }
        }
        return forecasts
    }
}
