import Foundation

/// The append-only erasure ledger, `erasures.jsonl` in the state directory: one JSON object a
/// line. It lives outside the database so that restoring a backup does not roll it back, and
/// `replay` can re-apply every erasure recorded after the backup was taken.
public struct ErasureLedger: Sendable {
    public let path: String

    public init(stateDirectory: String) { path = stateDirectory + "/erasures.jsonl" }

    public struct LedgerError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// A file as the file system knows it: the ledger at `path` must stay this file while a
    /// rule erases, or the erasures would be recorded where no replay finds them.
    public struct FileIdentity: Sendable, Equatable {
        let device: UInt64
        let inode: UInt64
    }

    /// Creates an empty ledger when there is none, so that a missing one later means it was lost.
    public func create() throws {
        let descriptor = open(path, O_CREAT | O_RDWR | O_APPEND, 0o640)
        guard descriptor >= 0 else { throw LedgerError(description: "could not create erasure ledger \"\(path)\": \(String(cString: strerror(errno)))") }
        close(descriptor)
    }

    /// Whether the ledger file exists.
    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// Throws unless the file at `path` is still `identity`.
    public func verify(_ identity: FileIdentity) throws {
        guard currentIdentity() == identity else { throw lost }
    }

    /// The ledger file to go on with while rule `rule` of run `runID` erases: `identity`, or the
    /// file that replaced it when that still holds the rule's entries (another run's compaction
    /// rewrites the file); throws when the entries are gone with the file.
    public func verify(_ identity: FileIdentity, holding runID: String, rule: String) throws -> FileIdentity {
        if currentIdentity() == identity { return identity }
        return try withFileLock(path + ".lock") {
            guard let current = currentIdentity(), try read().entries.contains(where: { $0.runID == runID && $0.rule == rule }) else { throw lost }
            return current
        }
    }

    private func currentIdentity() -> FileIdentity? {
        var status = stat()
        return stat(path, &status) == 0 ? FileIdentity(status) : nil
    }

    private var lost: LedgerError {
        LedgerError(description: "the erasure ledger \"\(path)\" was removed or replaced during the run; no more rows are erased, so that every erasure stays recorded (restore the state directory, then run again)")
    }

    /// Appends entries and flushes them to disk before returning; returns the file written to,
    /// or nil when there was nothing to write.
    @discardableResult
    public func append(_ entries: [ErasureEntry]) throws -> FileIdentity? {
        try append(lines: entries.map(\.json))
    }

    /// Appends erasure requests' entries and flushes them, before the requests' first batch.
    @discardableResult
    public func append(subjects entries: [SubjectErasureEntry]) throws -> FileIdentity? {
        try append(lines: entries.map(\.json))
    }

    /// Appends a cancelled request's line and flushes it.
    public func append(cancellation: SubjectCancellation) throws {
        _ = try append(lines: [cancellation.json])
    }

    private func append(lines: [JSONValue]) throws -> FileIdentity? {
        guard !lines.isEmpty else { return nil }
        let text = lines.map { JSONWriter.write($0, pretty: false) + "\n" }.joined()
        return try withFileLock(path + ".lock") {
            let descriptor = open(path, O_CREAT | O_RDWR | O_APPEND, 0o640)
            guard descriptor >= 0 else { throw LedgerError(description: "could not open erasure ledger \"\(path)\": \(String(cString: strerror(errno)))") }
            defer { close(descriptor) }
            var status = stat()
            guard fstat(descriptor, &status) == 0 else { throw LedgerError(description: "could not read erasure ledger \"\(path)\": \(String(cString: strerror(errno)))") }
            let identity = FileIdentity(status)
            // A line cut short by an earlier crash is ended first, so new lines stay whole.
            let size = lseek(descriptor, 0, SEEK_END)
            var last: UInt8 = 0x0A
            if size > 0 { _ = pread(descriptor, &last, 1, size - 1) }
            let bytes = Array(((last == 0x0A ? "" : "\n") + text).utf8)
            let written = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            guard written == bytes.count, fsync(descriptor) == 0 else {
                let reason = String(cString: strerror(errno))
                if size >= 0 { _ = ftruncate(descriptor, size) }
                throw LedgerError(description: "could not write erasure ledger \"\(path)\": \(reason)")
            }
            try verify(identity)
            return identity
        }
    }

    /// Every entry, in the order written.
    public func entries() throws -> [ErasureEntry] { try read().entries }

    /// The tenant entries, and the numbers of lines that are valid entries of neither kind (a line
    /// cut short by a crash or a full disk): those are skipped, so that one damaged line never
    /// stops a replay.
    public func read() throws -> (entries: [ErasureEntry], damagedLines: [Int]) {
        let lines = try parsedLines()
        return (lines.compactMap { if case let .tenant(entry) = $0.line { entry } else { nil } },
                lines.compactMap { if case .damaged = $0.line { $0.number } else { nil } })
    }

    /// The erasure requests' entries, in the order written.
    public func subjectEntries() throws -> [SubjectErasureEntry] {
        try parsedLines().compactMap { if case let .subject(entry) = $0.line { entry } else { nil } }
    }

    /// The cancelled requests' lines, in the order written.
    public func cancellations() throws -> [SubjectCancellation] {
        try parsedLines().compactMap { if case let .cancellation(line) = $0.line { line } else { nil } }
    }

    /// What one line of the ledger holds.
    private enum Line {
        case tenant(ErasureEntry)
        case subject(SubjectErasureEntry)
        case cancellation(SubjectCancellation)
        case damaged

        var recordedAt: String? {
            switch self {
            case let .tenant(entry): return entry.recordedAt
            case let .subject(entry): return entry.recordedAt
            case let .cancellation(line): return line.recordedAt
            case .damaged: return nil
            }
        }

        var json: JSONValue? {
            switch self {
            case let .tenant(entry): return entry.json
            case let .subject(entry): return entry.json
            case let .cancellation(line): return line.json
            case .damaged: return nil
            }
        }
    }

    private func parsedLines() throws -> [(number: Int, line: Line)] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var lines: [(number: Int, line: Line)] = []
        for (number, text) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard !text.isEmpty else { continue }
            let value = try? JSONParser.parse(String(text))
            if let value, let entry = SubjectErasureEntry(json: value) {
                lines.append((number + 1, .subject(entry)))
            } else if let value, let line = SubjectCancellation(json: value) {
                lines.append((number + 1, .cancellation(line)))
            } else if let value, let entry = ErasureEntry(json: value) {
                lines.append((number + 1, .tenant(entry)))
            } else {
                lines.append((number + 1, .damaged))
            }
        }
        return lines
    }

    /// Removes the entries recorded before `horizon`: no backup that old is kept, so no restore
    /// can need them. The file is rewritten atomically.
    public func compact(before horizon: Date) throws {
        try withFileLock(path + ".lock") {
            let all = try parsedLines().map(\.line)
            let kept = all.filter { line in line.recordedAt.map { (Timestamps.date($0) ?? .distantFuture) >= horizon } ?? false }
            guard kept.count < all.count else { return }
            let text = kept.compactMap(\.json).map { JSONWriter.write($0, pretty: false) + "\n" }.joined()
            try ReportStore.atomicWrite(Array(text.utf8), to: path)
        }
    }
}

extension ErasureLedger.FileIdentity {
    init(_ status: stat) {
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
    }
}
