import Foundation
import Testing
import TestSupport

/// A policy with one `expire-backups` rule on the server's repository.
private func backupPolicy(_ server: PgBackRestServer, after: String = "90 days") -> String {
    #"{"policy": "backups", "rules": [{"name": "backups", "category": "Backups", "basis": "backups are purged within 90 days", "action": "expire-backups", "due": {"after": "\#(after)"}, "pgbackrest": {"stanza": "main", "config": "\#(server.config)", "repo": 1}}]}"#
}

/// `--as-of` such that `as-of - 90 days` is `cutoff` (seconds since 1970).
private func asOf(cutoff: Int64) -> String {
    ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(cutoff) + 90 * 86400))
}

/// What the contract leaves of `info` at `cutoff`: a set that started before it goes, and every
/// set that depends on one that goes, except the last full backup (and what depends on it),
/// which pgBackRest never expires.
private func allowedToRemain(_ info: PgBackRestServer.Info, cutoff: Int64) -> (left: [String], gone: [String], kept: [String]) {
    let lastFull = info.sets.last { $0.type == "full" }
    let due = info.sets.filter { $0.start < cutoff }
    let keptRoot = lastFull.flatMap { full in due.contains(full) ? full.label : nil }
    var gone: [String] = []
    var kept: [String] = []
    for set in info.sets {
        let roots = due.filter { $0.label == set.label || set.references.contains($0.label) }.map(\.label)
        if roots.isEmpty { continue }
        if let keptRoot, roots.contains(keptRoot) { kept.append(set.label) } else { gone.append(set.label) }
    }
    return (info.sets.map(\.label).filter { !gone.contains($0) }, gone, kept)
}

private func reportedBackups(_ fixture: EngineFixture) throws -> [[String: Any]] {
    try fixture.ruleReport("backups")["backups"] as? [[String: Any]] ?? []
}

@Suite("expire-backups: pgBackRest within the period", .enabled(if: PgBackRestServer.unavailableReason == nil, "\(PgBackRestServer.unavailableReason ?? "")"))
struct ExpireBackupsTests {
    @Test("exactly the sets past the age go, with what depends on them, and the WAL before the oldest left; a dry run lists them and changes nothing; a due last full stays and fails the rule until a new full exists")
    func expiry() throws {
        let server = try PgBackRestServer()
        defer { server.stop() }
        let fixture = try EngineFixture.make("backups", schemaSQL: "SELECT 1;")
        defer { fixture.drop() }
        try server.connect().executeScript("CREATE TABLE t (x int); INSERT INTO t VALUES (1)")
        let full1 = try server.backup("full")
        try server.connect().execute("INSERT INTO t VALUES (2)")
        let diff1 = try server.backup("diff")
        try server.connect().execute("INSERT INTO t VALUES (3)")
        let incr1 = try server.backup("incr")
        let full2 = try server.backup("full")
        let incr2 = try server.backup("incr")
        // validate lists what would go today: with a period of 0 days every set is past the age,
        // and the last full backup stays with its incremental.
        let zeroPolicy = try fixture.writePolicy(backupPolicy(server, after: "0 days"), name: "zero.json")
        let validate = try fixture.retention(["validate", "--policy", zeroPolicy])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stdout.contains("rule \"backups\": would expire 3 backups today: \(full1) (full"), "\(validate.stdout)")
        #expect(validate.stdout.contains("take a full backup more often than the period"), "\(validate.stdout)")
        try fixture.writePolicy(backupPolicy(server))

        // The period ends at the differential backup's start: the first full is due, and its
        // young differential and incremental backups go with it.
        let before = try server.info()
        let cutoff = before.set(diff1)!.start
        let expected = allowedToRemain(before, cutoff: cutoff)
        #expect(expected.gone == [full1, diff1, incr1] && expected.kept.isEmpty)

        let dry = try fixture.retention(["run", "--dry-run", "--as-of", asOf(cutoff: cutoff)])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try server.info() == before, "a dry run changes nothing")
        #expect(try reportedBackups(fixture).map { $0["label"] as? String ?? "" } == expected.gone)
        #expect(try reportedBackups(fixture).allSatisfy { $0["state"] as? String == "due" })
        #expect(dry.stdout.contains("due full backup \(full1)"), "\(dry.stdout)")

        // audit (no grace) lists the sets past the age, since the oldest's start plus the period, and changes nothing.
        let audit = try fixture.retention(["audit", "--policy", fixture.directory + "/policy.json", "--as-of", asOf(cutoff: cutoff), "--grace", "0 hours", "--format", "json"])
        #expect(audit.status == 1, "\(audit.stderr)")
        #expect(try server.info() == before, "audit changes nothing")
        let pastAge = before.sets.filter { $0.start < cutoff }
        let promise = (try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [String: Any])?["promises"] as? [[String: Any]]
        #expect(promise?.first?["kind"] as? String == "backups" && promise?.first?["verdict"] as? String == "broken", "\(audit.stdout)")
        #expect((promise?.first?["overdue"] as? [String: Any])?.int("pending") == Int64(pastAge.count))
        let since = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(pastAge.map(\.start).min() ?? 0) + 90 * 86400))
        #expect(promise?.first?["overdueSince"] as? String == since.replacingOccurrences(of: "Z", with: ".000000Z"))

        let metrics = fixture.directory + "/retention.prom"
        let run = try fixture.retention(["run", "--as-of", asOf(cutoff: cutoff), "--metrics-file", metrics])
        #expect(run.status == 0, "\(run.stderr)")
        let after = try server.info()
        #expect(after.sets.map(\.label) == expected.left)
        #expect(after.oldestWAL == before.sets.filter { expected.left.contains($0.label) }.map(\.archiveStart).min(),
                "no WAL older than the oldest backup left")
        let reported = try reportedBackups(fixture)
        #expect(reported.map { $0["label"] as? String ?? "" } == [full1, diff1, incr1])
        #expect(reported.map { $0["type"] as? String ?? "" } == ["full", "diff", "incr"])
        #expect(reported.map { $0["state"] as? String ?? "" } == ["expired", "expired", "expired"])
        #expect(reported.map { $0["with"] as? String } == [nil, full1, full1])
        #expect(reported.first?["start"] as? String == ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(before.set(full1)!.start))))
        #expect(try fixture.ruleReport("backups").int("affected") == 3)
        let oldestAge = Double(cutoff) + 90 * 86400 - Double(before.set(full2)!.start)
        let prom = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(prom.contains("retention_backup_oldest_age_seconds{policy=\"backups\",rule=\"backups\",action=\"expire-backups\"} \(Int64(oldestAge))"), "\(prom)")

        // The Owner report says which backups were expired.
        let owner = try fixture.retention(["report", "--tenant", "any", "--state-dir", fixture.stateDirectory, "--format", "md"])
        #expect(owner.status == 0, "\(owner.stderr)")
        #expect(owner.stdout.contains("## Backups expired"), "\(owner.stdout)")
        #expect(owner.stdout.contains("full backup \(full1) (started"), "\(owner.stdout)")
        #expect(owner.stdout.contains("incr backup \(incr1.replacingOccurrences(of: "_", with: "\\_"))"), "\(owner.stdout)")

        // Every backup is past the age now, and the last full cannot be expired: it stays with
        // its incremental, and the rule fails loudly.
        let lateCutoff = before.set(incr2)!.start + 1
        let late = try fixture.retention(["run", "--as-of", asOf(cutoff: lateCutoff)])
        #expect(late.status == 1)
        #expect(late.stderr.contains("take a full backup more often than the period") || late.stdout.contains("take a full backup more often than the period"),
                "\(late.stdout)\(late.stderr)")
        #expect(allowedToRemain(try server.info(), cutoff: lateCutoff).kept == [full2, incr2])
        #expect(try server.info().sets.map(\.label) == [full2, incr2])
        #expect(try reportedBackups(fixture).map { $0["state"] as? String ?? "" } == ["kept", "kept"])
        #expect(try fixture.ruleReport("backups")["status"] as? String == "failed")

        // The first run after a new full backup expires the old one.
        let full3 = try server.backup("full")
        let beforeLast = try server.info()
        let newCutoff = beforeLast.set(full3)!.start
        let next = try fixture.retention(["run", "--as-of", asOf(cutoff: newCutoff)])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(try server.info().sets.map(\.label) == allowedToRemain(beforeLast, cutoff: newCutoff).left)
        #expect(try server.info().sets.map(\.label) == [full3])
        #expect(try server.info().oldestWAL == beforeLast.set(full3)!.archiveStart)
    }

    @Test("a user neither owner nor root is refused; pgBackRest's errors are the rule's; kill -9 of the run and of pgbackrest during the expiry, then a run: the repository passes pgbackrest check and info, and the promise holds")
    func killDuringExpiry() throws {
        let server = try PgBackRestServer()
        defer { server.stop() }
        let fixture = try EngineFixture.make("backupkill", schemaSQL: "SELECT 1;")
        defer { fixture.drop() }
        try server.backup("full")
        try server.backup("incr")
        try server.backup("full")
        try server.backup("incr")
        let young = try server.backup("full")
        let policy = try fixture.writePolicy(backupPolicy(server))

        // A user that neither owns the repository nor is root is refused, naming the owner.
        let stranger = try TestProcess.run("/usr/sbin/runuser", ["-u", "nobody", "--", Repository.binary, "validate", "--policy", policy,
                                                                 "--database-url", fixture.database.url])
        #expect(stranger.status == 2, "\(stranger.output)")
        #expect(stranger.output.contains("belongs to postgres, but retention runs as nobody"), "\(stranger.output)")

        // pgBackRest's own errors reach the rule's error: the stanza's status, or the exit code
        // and stderr; the run fails (exit 1).
        for (block, words) in [(#""stanza": "nosuch""#, "missing stanza path"), (#""stanza": "main", "repo": 2"#, "exited 32: ERROR: [032]")] {
            let broken = try fixture.writePolicy(backupPolicy(server).replacingOccurrences(of: #""stanza": "main", "config""#, with: block + #", "config""#)
                .replacingOccurrences(of: #", "repo": 1}"#, with: "}"), name: "broken.json")
            let failed = try fixture.retention(["run", "--policy", broken])
            #expect(failed.status == 1, "\(failed.stdout)\(failed.stderr)")
            let error = try fixture.ruleReport("backups")["error"] as? String ?? ""
            #expect(error.contains(words), "\(error)")
        }

        let before = try server.info()
        let cutoff = before.set(young)!.start
        let expected = allowedToRemain(before, cutoff: cutoff)
        #expect(expected.left == [young])

        // Kill the run, and the pgbackrest expire it started (and runuser) as soon as it is seen.
        let running = try fixture.start(["run", "--as-of", asOf(cutoff: cutoff)])
        var seen: [(pid: Int32, program: String)] = []
        let deadline = Date().addingTimeInterval(60)
        while !seen.contains(where: { $0.program.hasSuffix("pgbackrest") }), running.process.isRunning, Date() < deadline {
            seen = expireProcesses(config: server.config)
            if seen.isEmpty { usleep(1000) }
        }
        running.signal(SIGKILL)
        for process in seen { kill(process.pid, SIGKILL) }
        _ = running.wait()
        #expect(seen.contains { $0.program.hasSuffix("pgbackrest") }, "the run ended before a pgbackrest expire was seen")

        let next = try fixture.retention(["run", "--as-of", asOf(cutoff: cutoff)])
        #expect(next.status == 0, "\(next.stdout)\(next.stderr)")
        #expect(throws: Never.self) { try server.pgbackrest("check") }
        let after = try server.info()
        #expect(after.sets.map(\.label) == expected.left)
        #expect(after.oldestWAL == before.set(young)!.archiveStart)
    }
}

/// The processes (runuser and pgbackrest) running `pgbackrest expire` on the repository of
/// `config`, with their program.
private func expireProcesses(config: String) -> [(pid: Int32, program: String)] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry in
        guard let pid = Int32(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        guard arguments.contains("--config=\(config)"), arguments.last == "expire", let program = arguments.first else { return nil }
        return (pid, program)
    }
}
