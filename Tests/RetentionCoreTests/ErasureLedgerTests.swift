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
}
