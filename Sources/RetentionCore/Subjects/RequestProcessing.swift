import Foundation
import Postgres

/// `retention run`'s first part: the open erasure requests, before the rules (which could unlink a
/// person's rows from their subject row first), on one connection,
/// in groups (`RequestGroupSize`). Targets go in foreign-key order, each for the whole group:
/// its rows in batches (at most `limit` rows, locked by primary key, sized to the run's target
/// time like the rules' slices), each batch one statement that also records every request's
/// count, then one statement that counts, per request, what this run changed and what is left.
/// So a killed run leaves whole batches and exact counts, and the next run goes on from the
/// values stored at the first resolution. Holds are read by every statement. A dry run only
/// counts, in READ ONLY transactions. On Citus (`SubjectTargets.readsValuesFirst`) each
/// statement gets the people's values and the holds read just before it, as arrays, and a
/// batch is its pairs read, then one multi-shard change that re-checks the values on the row,
/// then its counts recorded in the same transaction.
struct RequestProcessing {
    let context: RunContext
    let targets: SubjectTargets
    /// Who the `done` events name.
    static let actor = "retention run"

    /// The connection of one `run` or `replay`, each target's batch size so far, and the longest
    /// statement of the current group.
    private final class Session {
        let context: RunContext
        var connection: Connection?
        var limits: [String: Int] = [:]
        var longest: Double = 0

        init(context: RunContext) { self.context = context }

        /// Runs `body` on the connection, reconnecting and retrying as `RetryBudget` says, and
        /// keeps the time of the attempt that succeeded.
        @discardableResult
        func execute<T>(_ body: (Connection) throws -> T) throws -> T {
            var budget = RetryBudget(lockWaitLimit: context.options.lockWaitLimitSeconds)
            return try budget.run(stop: context.stop, connection: { try context.reconnect(&connection) }, lost: { connection = nil }) { connection in
                let started = Date()
                let result = try body(connection)
                longest = max(longest, Date().timeIntervalSince(started))
                return result
            }
        }
    }

    /// Processes `requests`. One that the policy cannot answer (`SubjectTargets.problem`) is
    /// not touched: it stays open with the reason, and fails the run.
    func run(_ requests: [ErasureRequest]) -> [RequestResult] {
        var problems: [(ErasureRequest, String)] = []
        var answerable: [ErasureRequest] = []
        for request in requests {
            if let problem = targets.problem(for: request) { problems.append((request, problem)) } else { answerable.append(request) }
        }
        var results = problems.map { RequestResult(request: $0.0, status: .open, outcome: .failed($0.1)) }
        if !problems.isEmpty, !context.options.dryRun {
            do {
                try Session(context: context).execute {
                    try $0.execute(RequestStatements.keepOpen, [bigintArrayLiteral(problems.map(\.0.id)), textArrayLiteral(problems.map(\.1))])
                }
            } catch {
                results = problems.map { RequestResult(request: $0.0, status: .open, outcome: .failed("\($0.1); the reason could not be recorded: \(Worker.describe(error))")) }
            }
        }
        return results + inGroups(answerable, result: { RequestResult(request: $0, status: .open, outcome: $1) }) { group, session in
            try context.options.dryRun ? count(group, session) : process(group, session)
        }
    }

    /// `replay`: erases again, in a restored database, the rows of each ledger entry's targets
    /// whose match column's HMAC is one of the entry's (the entries of one request together); no
    /// values are needed. A dry run only lists the requests (counting would need the key's pads,
    /// which a dry run's sessions may lack).
    func replay(_ entries: [SubjectErasureEntry]) -> [RequestResult] {
        var byRequest: [Int64: SubjectErasureEntry] = [:]
        for entry in entries {
            guard var known = byRequest[entry.requestID] else { byRequest[entry.requestID] = entry; continue }
            known.targets += entry.targets.filter { !known.targets.contains($0) }
            known.values += entry.values.filter { !known.values.contains($0) }
            byRequest[entry.requestID] = known
        }
        let merged = byRequest.values.sorted { $0.requestID < $1.requestID }
        guard !context.options.dryRun else {
            return merged.map { RequestResult(id: $0.requestID, reference: nil, status: .done, outcome: .counted) }
        }
        return inGroups(merged, result: { RequestResult(id: $0.requestID, reference: nil, status: .open, outcome: $1) }) { group, session in
            var stopped = false
            let outcomes = try byTarget(group, id: \.requestID, includes: { $0.targets.contains($1.target.name) }) { plan, members in
                let entries = group.filter { members.contains($0.requestID) }
                return try self.outcomes(of: plan, members, values: { connection in
                    .hashed(entries, heldTenants: targets.readsValuesFirst ? try PersonValues.heldTenants(connection) : nil)
                }, ledgerFile: nil, stopped: &stopped, session)
            }
            return group.map { entry in
                RequestResult(id: entry.requestID, reference: nil, status: stopped ? .open : .done,
                              outcome: stopped ? .interrupted(context.stop.stopReason ?? "stopped") : .processed, targets: outcomes[entry.requestID] ?? [])
            }
        }
    }

    /// Works through `items` in groups. A group that fails is tried again one item at a time, so
    /// that one request's error fails only that request (a lost erasure ledger fails them all).
    /// Once the run is asked to stop, no group starts.
    private func inGroups<Item>(_ items: [Item], result: (Item, RequestResult.Outcome) -> RequestResult,
                                _ process: ([Item], Session) throws -> [RequestResult]) -> [RequestResult] {
        let session = Session(context: context)
        var size = RequestGroupSize()
        var results: [RequestResult] = []
        var rest = items[...]
        // The items of a failed group still to be tried alone.
        var alone = 0
        while !rest.isEmpty {
            guard context.stop.stopReason == nil else { return results + rest.map { result($0, .notStarted) } }
            let single = alone > 0
            let group = Array(rest.prefix(single ? 1 : size.requests))
            rest = rest.dropFirst(group.count)
            if single { alone -= 1 }
            session.longest = 0
            do {
                results += try process(group, session)
                if !single { size.adapt(longest: session.longest, target: context.options.targetBatchSeconds) }
            } catch where group.count > 1 && !(error is ErasureLedger.LedgerError) {
                rest = ArraySlice(group) + rest
                alone = group.count
            } catch {
                results += group.map { result($0, .failed(Worker.describe(error))) }
            }
        }
        return results
    }

    /// Every request's outcomes, target by target in foreign-key order: `outcome` gives them for
    /// the requests of the group that work on the target.
    private func byTarget<Item>(_ group: [Item], id: (Item) -> Int64, includes: (Item, SubjectTargetPlan) -> Bool,
                                _ outcome: (SubjectTargetPlan, [Int64]) throws -> [Int64: TargetOutcome]) rethrows -> [Int64: [TargetOutcome]] {
        var outcomes: [Int64: [TargetOutcome]] = [:]
        for plan in targets.plans {
            let members = group.filter { includes($0, plan) }.map(id)
            guard !members.isEmpty else { continue }
            let found = try outcome(plan, members)
            for member in members { outcomes[member, default: []].append(found[member] ?? TargetOutcome(plan.target)) }
        }
        return outcomes
    }

    /// A dry run: every target's counts for the group, in one READ ONLY transaction.
    private func count(_ group: [ErasureRequest], _ session: Session) throws -> [RequestResult] {
        let outcomes = try session.execute { connection in
            try connection.transaction(readOnly: true) {
                try PolicyTime.enter(context.policy.timeZone, connection)
                return try byTarget(group, id: \.id, includes: targets.includes) { plan, members in
                    let values = try targets.values(for: group.filter { members.contains($0.id) }, connection)
                    let counts = SubjectStatements.counts(plan, values: values, requests: members, affected: .nothing, policy: context.policy)
                    return try TargetOutcome.read(plan, rows: connection.execute(counts.sql, counts.parameters).rows)
                }
            }
        }
        return group.map { RequestResult(request: $0, status: .open, outcome: .counted, targets: outcomes[$0.id] ?? []) }
    }

    /// Resolves the group's people (once: the values are stored), writes their ledger entries,
    /// works through the targets and records every outcome; then a request with nothing
    /// erasable left is `done`, the others stay open with the reason.
    private func process(_ group: [ErasureRequest], _ session: Session) throws -> [RequestResult] {
        let unresolved = group.filter { !$0.resolved }.map(\.id)
        if !unresolved.isEmpty {
            let resolution = targets.resolution(.requests(unresolved), hashed: true)
            try session.execute { connection in
                let found = targets.readsValuesFirst ? try PersonValues.resolved(resolution, connection) : nil
                let resolve = SubjectStatements.resolve(resolution, readFirst: found, requests: unresolved)
                try connection.execute(resolve.sql, resolve.parameters)
            }
        }
        let resolved = group.filter(\.resolved).map(\.id)
        if !resolved.isEmpty {
            try session.execute { connection in
                guard targets.readsValuesFirst else {
                    guard let add = SubjectStatements.addNewColumns(targets.people, requests: resolved) else { return }
                    try connection.execute(add.sql, add.parameters)
                    return
                }
                let stored = try PersonValues.stored(resolved, people: targets.people, connection)
                guard let read = SubjectStatements.addNewColumns(targets.people, requests: resolved, stored: stored) else { return }
                let found = try connection.execute(read.sql, read.parameters).rows
                guard !found.isEmpty else { return }
                try connection.execute(SubjectStatements.storeNewColumns, [bigintArrayLiteral(try found.map { try $0.int64(0) }),
                                                                           textArrayLiteral(found.map { $0[1] }), textArrayLiteral(found.map { $0[2] })])
            }
        }
        let ledgerFile = try recordInLedger(group, session)
        var stopped = false
        let outcomes = try byTarget(group, id: \.id, includes: targets.includes) { plan, members in
            try self.outcomes(of: plan, members, values: { try targets.stored(members, $0) }, ledgerFile: ledgerFile, stopped: &stopped, session)
        }.mapValues(TargetOutcome.keptUntilOfKeepers)
        if !stopped { try recordFollowUps(group, outcomes: outcomes, session) }
        let records = group.flatMap { request in (outcomes[request.id] ?? []).map { $0.record(requestID: request.id) } }
        if !records.isEmpty {
            try session.execute { try $0.execute(SubjectStatements.recordTargets, [context.runID, JSONWriter.write(.array(records), pretty: false)]) }
        }
        if stopped {
            let reason = context.stop.stopReason ?? "stopped"
            return group.map { RequestResult(request: $0, status: .open, outcome: .interrupted(reason), targets: outcomes[$0.id] ?? []) }
        }
        let reasons = group.map { RequestResult.openReason(outcomes[$0.id] ?? []) }
        let open = zip(group, reasons).compactMap { request, reason in reason.map { (request.id, $0) } }
        if !open.isEmpty {
            try session.execute { try $0.execute(RequestStatements.keepOpen, [bigintArrayLiteral(open.map(\.0)), textArrayLiteral(open.map(\.1))]) }
        }
        let done = zip(group, reasons).filter { $0.1 == nil }.map(\.0.id)
        if !done.isEmpty {
            try session.execute { try $0.execute(RequestStatements.close, [bigintArrayLiteral(done), RequestStatus.done.rawValue, nil, Self.actor]) }
        }
        return zip(group, reasons).map { request, reason in
            RequestResult(request: request, status: reason == nil ? .done : .open, outcome: .processed, targets: outcomes[request.id] ?? [])
        }
    }

    /// Records, by primary key, the rows of the group's people that kept rows keep (the request
    /// is answered; a later run erases them once nothing keeps them: `followUps`).
    private func recordFollowUps(_ group: [ErasureRequest], outcomes: [Int64: [TargetOutcome]], _ session: Session) throws {
        for plan in targets.plans {
            let members = group.filter { request in outcomes[request.id]?.contains { $0.name == plan.target.name && $0.kept > 0 } ?? false }
            guard !members.isEmpty else { continue }
            try session.execute { connection in
                guard let record = SubjectStatements.recordFollowUps(plan, values: try targets.stored(members.map(\.id), connection)) else { return }
                try connection.execute(record.sql, record.parameters)
            }
        }
    }

    /// Erases the followed-up rows of done requests that nothing keeps any more, target by
    /// target in foreign-key order, and forgets the follow-ups whose rows are gone or done.
    /// Returns a failure's description, or nil.
    func followUps() -> String? {
        let session = Session(context: context)
        do {
            let byTarget = try session.execute { try $0.execute(SubjectStatements.followUpTargets).rows }
            guard !byTarget.isEmpty else { return nil }
            let known = Set(targets.plans.map(\.target.name))
            let orphaned = try byTarget.filter { !known.contains(try $0.text(0)) }
                .map { "\(try $0.text(1)) of target \"\(try $0.text(0))\"" }
            for plan in targets.plans where plan.target.erases {
                guard context.stop.stopReason == nil else { return nil }
                guard !targets.readsValuesFirst else {
                    try session.execute { try followUpsReadingFirst(plan, $0) }
                    continue
                }
                let settle = SubjectStatements.settleFollowUps(plan)
                let batch = SubjectStatements.followUpBatch(plan, runID: context.runID)
                try session.execute { connection in
                    try connection.execute(settle.sql, settle.parameters)
                    try connection.execute(batch.sql, batch.parameters)
                    try connection.execute(settle.sql, settle.parameters)
                }
            }
            guard orphaned.isEmpty else {
                return "follow-ups of answered requests name targets the policy no longer has (\(orphaned.joined(separator: ", "))): their rows are not erased; give the target its old name back"
            }
            return nil
        } catch {
            return "erasing the follow-ups of answered requests failed: \(Worker.describe(error))"
        }
    }

    /// `followUps` for one target on Citus: its follow-ups read first; those whose row is gone or
    /// done forgotten; the others' rows that nothing keeps any more erased by one statement (by
    /// key, re-checked on the row), counted in the same transaction; then those forgotten too.
    private func followUpsReadingFirst(_ plan: SubjectTargetPlan, _ connection: Connection) throws {
        let followed = try connection.execute(SubjectStatements.followUpsOfTarget, [plan.target.name]).rows.map { row in
            (requestID: try row.int64(0), keys: try Self.strings(ofJSONArray: try row.text(2)), text: try row.text(1))
        }
        guard !followed.isEmpty else { return }
        func forgetGone() throws {
            let left = SubjectStatements.followedRowsLeft(plan, followed: followed.map(\.keys))
            let present = Set(try connection.execute(left.sql, left.parameters).rows.map { try $0.text(0) })
            let gone = followed.map(\.text).filter { !present.contains($0) }
            if !gone.isEmpty { try connection.execute(SubjectStatements.forgetFollowUps, [plan.target.name, textArrayLiteral(gone)]) }
        }
        try forgetGone()
        var picked: [[String]: Int64] = [:]
        for row in followed { picked[row.keys] = min(picked[row.keys] ?? row.requestID, row.requestID) }
        let held = try PersonValues.heldTenants(connection)
        try changeAndRecord(SubjectStatements.followUpBatch(plan, picked: picked.map { (requestID: $0.value, keys: $0.key) }, held: held), plan, connection)
        try forgetGone()
    }

    /// The strings of a JSON array of strings (a `text[]` as `to_json` writes it).
    private static func strings(ofJSONArray text: String) throws -> [String] {
        guard case let .array(elements) = try JSONParser.parse(text) else { return [] }
        return elements.compactMap { element in
            if case let .string(string) = element { return string }
            return nil
        }
    }

    /// On Citus: runs `change` (one multi-shard statement that returns the request of each row
    /// it changed) and records its counts per request, in one transaction.
    private func changeAndRecord(_ change: (sql: String, parameters: [String?]), _ plan: SubjectTargetPlan, _ connection: Connection) throws {
        try connection.transaction {
            var counts: [Int64: Int64] = [:]
            for row in try connection.execute(change.sql, change.parameters).rows { counts[try row.int64(0), default: 0] += 1 }
            guard !counts.isEmpty else { return }
            let requests = counts.keys.sorted()
            try connection.execute(SubjectStatements.recordBatch, [context.runID, plan.target.name, bigintArrayLiteral(requests),
                                                                   bigintArrayLiteral(requests.map { counts[$0] ?? 0 })])
        }
    }

    /// The target's outcome for each of `members`: its batches, unless it keeps its rows or the
    /// run was asked to stop (then `stopped`, and no later target erases either), then its counts.
    /// `values`: where each statement reads the people's values, read (on Citus) before it.
    private func outcomes(of plan: SubjectTargetPlan, _ members: [Int64], values: (Connection) throws -> SubjectValues,
                          ledgerFile: ErasureLedger.FileIdentity?, stopped: inout Bool, _ session: Session) throws -> [Int64: TargetOutcome] {
        if plan.target.erases, !stopped {
            stopped = try !erase(plan, values: values, ledgerFile: ledgerFile, session)
        }
        return try session.execute { connection in
            let counts = SubjectStatements.counts(plan, values: try values(connection), requests: members, affected: .recorded(runID: context.runID),
                                                  policy: context.policy)
            return try TargetOutcome.read(plan, rows: connection.execute(counts.sql, counts.parameters).rows)
        }
    }

    /// Writes the ledger entries of the group's requests that erase (the HMAC of each of the
    /// person's values and of each text found in the match columns of the targets they erase,
    /// and the key's fingerprint) and flushes them before the first batch, so that `replay` can
    /// erase the people again after a restore. Returns the ledger file written to, which must
    /// still be there before every batch.
    private func recordInLedger(_ group: [ErasureRequest], _ session: Session) throws -> ErasureLedger.FileIdentity? {
        let erasing = group.compactMap { request -> (id: Int64, targets: [String])? in
            let names = targets.plans(for: request).filter(\.target.erases).map(\.target.name)
            return names.isEmpty ? nil : (request.id, names)
        }
        guard !erasing.isEmpty else { return nil }
        var hashes: [Int64: [SubjectErasureEntry.ValueHash]] = [:]
        for row in try session.execute({ try $0.execute(SubjectStatements.valueHMACs, [bigintArrayLiteral(erasing.map(\.id))]).rows }) {
            hashes[try row.int64(0), default: []].append(SubjectErasureEntry.ValueHash(subjectColumn: try row.text(1), hmac: try row.text(2)))
        }
        var matched: [Int64: [SubjectErasureEntry.MatchedHash]] = [:]
        for plan in targets.plans where plan.target.erases && !plan.matchesOnlyValueTexts {
            let erasingHere = Set(erasing.filter { $0.targets.contains(plan.target.name) }.map(\.id))
            let found = try session.execute { connection in
                let query = SubjectStatements.matchedHMACs(plan, values: try targets.stored(erasing.map(\.id), connection))
                return try connection.execute(query.sql, query.parameters).rows
            }
            for row in found {
                let request = try row.int64(0)
                guard erasingHere.contains(request) else { continue }
                matched[request, default: []].append(SubjectErasureEntry.MatchedHash(target: plan.target.name, column: try row.text(1), hmac: try row.text(2)))
            }
        }
        let recordedAt = Timestamps.now()
        let fingerprint = context.options.pseudonymKey?.fingerprint
        return try context.ledger.append(subjects: erasing.map { request in
            SubjectErasureEntry(requestID: request.id, policy: context.policy.name, targets: request.targets, values: hashes[request.id] ?? [],
                                matched: matched[request.id] ?? [], keyFingerprint: fingerprint, runID: context.runID, recordedAt: recordedAt)
        })
    }

    /// A batch with the values read first (on Citus): its pairs read, then, in one transaction,
    /// the one statement that changes the rows they name (re-checking the values) and the
    /// counts it returned recorded. Returns the pairs taken.
    private func batch(_ plan: SubjectTargetPlan, in relation: Identifier, values: SubjectValues, limit: Int, _ connection: Connection) throws -> Int64 {
        let held = try values.heldTenants ?? PersonValues.heldTenants(connection)
        var builder = SQLBuilder()
        let pairs = try connection.execute(SubjectStatements.pairs(plan, in: relation, values: values, limit: limit, held: held, texts: true, &builder),
                                           builder.parameters).rows
        // A row of several of the requests counts for the first.
        var picked: [[String]: SubjectStatements.PickedRow] = [:]
        let firstText = plan.keyNames.count + 2
        for row in pairs {
            let keys = try plan.keyNames.indices.map { try row.text($0 + 1) }
            let request = try row.int64(0)
            guard picked[keys].map({ request < $0.requestID }) ?? true else { continue }
            picked[keys] = SubjectStatements.PickedRow(requestID: request, keys: keys, texts: plan.target.match.indices.map { row[firstText + $0] })
        }
        guard !picked.isEmpty else { return 0 }
        try changeAndRecord(SubjectStatements.batch(plan, in: relation, values: values, picked: Array(picked.values), held: held), plan, connection)
        return Int64(pairs.count)
    }

    /// Runs the target's batches until one takes fewer than `limit` rows; false when the run was
    /// asked to stop first. Before each batch it waits while a standby or slot is behind the
    /// run's limits, like the rules' batches. A ledger that was removed or replaced since the
    /// entries were written stops the group before its next batch (its requests fail, and stay
    /// open), so that no erasure goes unrecorded.
    private func erase(_ plan: SubjectTargetPlan, values: (Connection) throws -> SubjectValues, ledgerFile: ErasureLedger.FileIdentity?,
                       _ session: Session) throws -> Bool {
        for relation in plan.relations {
            guard try erase(plan, in: relation, values: values, ledgerFile: ledgerFile, session) else { return false }
        }
        return true
    }

    /// The batches of one relation of the target: its table or an archived leaf.
    private func erase(_ plan: SubjectTargetPlan, in relation: Identifier, values: (Connection) throws -> SubjectValues,
                       ledgerFile: ErasureLedger.FileIdentity?, _ session: Session) throws -> Bool {
        var limit = session.limits[plan.target.name] ?? context.options.batchSize ?? 1000
        defer { session.limits[plan.target.name] = limit }
        let throttle = context.throttle
        while true {
            _ = try throttle.wait(measure: { try session.execute { try throttle.excess($0) } }, waiting: { _ in })
            if let lost = context.runLock.verify() { context.stop.requestStop(lost) }
            if context.stop.stopReason != nil { return false }
            if let ledgerFile { try context.ledger.verify(ledgerFile) }
            let started = Date()
            let taken = try session.execute { connection in
                let values = try values(connection)
                if targets.readsValuesFirst { return try batch(plan, in: relation, values: values, limit: limit, connection) }
                let batch = SubjectStatements.batch(plan, in: relation, values: values, runID: context.runID, limit: limit)
                return try connection.execute(batch.sql, batch.parameters).int64()
            }
            if taken < Int64(limit) { return true }
            let seconds = max(Date().timeIntervalSince(started), 0.0005)
            var next = min(max(Double(limit) * context.options.targetBatchSeconds / seconds, Double(limit) / 4), Double(limit) * 2)
            if let cap = context.options.batchSize { next = min(next, Double(cap)) }
            limit = max(1, min(Int(next), 100_000))
        }
    }
}
