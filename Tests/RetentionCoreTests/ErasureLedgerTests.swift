import Foundation
@testable import RetentionCore
import Testing

@Suite("Erasure ledger file")
struct ErasureLedgerTests {
    static func entry(_ tenant: String, recordedAt: String) -> ErasureEntry {
        ErasureEntry(tenant: tenant, rule: "r", table: "t", anchor: "tenant.terminatedAt", terminatedAt: "2026-01-01T00:00:00Z",
                     cutoff: "2026-02-01T00:00:00Z", asOf: "2026-03-03T00:00:00Z", runID: "run", recordedAt: recordedAt)
    }

    @Test("a line cut short by a crash is skipped and named; the next append starts a new line")
    func damagedLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = ErasureLedger(stateDirectory: directory)
        try ledger.append([ErasureLedgerTests.entry("1", recordedAt: "2026-03-03T00:00:00.000Z")])
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: ledger.path))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"tenant":"2","rule":"#.utf8))
        try handle.close()
        try ledger.append([ErasureLedgerTests.entry("3", recordedAt: "2026-03-04T00:00:00.000Z")])
        let read = try ledger.read()
        #expect(read.entries.map(\.tenant) == ["1", "3"])
        #expect(read.damagedLines == [2])
    }

    @Test("compaction keeps what a restore may still need")
    func compaction() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = ErasureLedger(stateDirectory: directory)
        try ledger.append([ErasureLedgerTests.entry("old", recordedAt: "2020-01-01T00:00:00.000Z"),
                           ErasureLedgerTests.entry("new", recordedAt: "2026-03-04T00:00:00.000Z")])
        try ledger.compact(before: Timestamps.date("2025-01-01T00:00:00Z")!)
        #expect(try ledger.entries().map(\.tenant) == ["new"])
    }

    @Test("an erasure request's line is read as such, not as damaged, and compaction keeps it while it is recent")
    func subjectLines() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledger = ErasureLedger(stateDirectory: directory)
        func subject(_ id: Int64, _ at: String) -> SubjectErasureEntry {
            SubjectErasureEntry(requestID: id, policy: "p", targets: ["c"], values: [.init(subjectColumn: "email", hmac: "ab")], runID: "run", recordedAt: at)
        }
        try ledger.append(subjects: [subject(1, "2020-01-01T00:00:00.000Z")])
        try ledger.append([ErasureLedgerTests.entry("t", recordedAt: "2026-03-04T00:00:00.000Z")])
        try ledger.append(subjects: [subject(2, "2026-03-04T00:00:00.000Z")])
        #expect(try ledger.read().damagedLines.isEmpty)
        #expect(try ledger.subjectEntries() == [subject(1, "2020-01-01T00:00:00.000Z"), subject(2, "2026-03-04T00:00:00.000Z")])
        try ledger.compact(before: Timestamps.date("2025-01-01T00:00:00Z")!)
        #expect(try ledger.subjectEntries().map(\.requestID) == [2])
        #expect(try ledger.entries().map(\.tenant) == ["t"])
    }
}
