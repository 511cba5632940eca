import Foundation

/// The state directory's `reports/`: one JSON report per run, dry runs included, each chained
/// to the one written before it by `previousReportSha256`.
public struct ReportStore: Sendable {
    public let directory: String

    public init(stateDirectory: String) { directory = stateDirectory + "/reports" }

    /// Checks that reports can be written, before a run changes anything.
    public func prepare() throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportStoreError("could not create report directory \"\(directory)\": \(error.localizedDescription)")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw ReportStoreError("report directory \"\(directory)\" is not writable")
        }
    }

    /// The report files in the order they were written (their names start with the UTC time).
    public func reportFiles() throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().map { directory + "/" + $0 }
    }

    /// A report file and the SHA-256 of its bytes: what the next report names as its predecessor.
    public struct ChainLink: Sendable, Equatable {
        public let path: String
        public let sha256: String
    }

    /// The newest report, or nil when there is none.
    public func lastLink() throws -> ChainLink? { try reportFiles().last.flatMap(link) }

    /// The report at `path` with the SHA-256 of its bytes, or nil when it cannot be read.
    private func link(at path: String) -> ChainLink? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return ChainLink(path: path, sha256: SHA256.hash(Array(data)).hexString)
    }

    /// Whether a report of run `runID` is in the directory (report names end with the run).
    public func hasReport(ofRun runID: String) throws -> Bool {
        try reportFiles().contains { $0.hasSuffix("-\(runID).json") }
    }

    /// Writes `report` as the newest link of the chain; returns it as written (with its
    /// predecessor named), the bytes' SHA-256 and the path. `after` is the newest report when the
    /// run started: should it have vanished meanwhile, the report still names it, so the chain
    /// shows the gap instead of starting again. Holds an exclusive lock on the directory while it
    /// reads the previous report and writes.
    @discardableResult
    public func write(_ report: RunReport, after expected: ChainLink? = nil) throws -> (report: RunReport, sha256: String, path: String) {
        try prepare()
        return try withFileLock(directory + "/.lock") {
            var chained = report
            var previous = try reportFiles().last
            if let link = previous.flatMap(link) { chained.previousReportSHA256 = link.sha256 }
            if let expected, !FileManager.default.fileExists(atPath: expected.path), previous == nil || previous! < expected.path {
                chained.previousReportSHA256 = expected.sha256
                previous = expected.path
            }
            let bytes = JSONWriter.bytes(chained.json())
            // Numbered in the order of the chain (under the lock), so that a clock that steps back
            // cannot reorder the files; the time of writing and the run follow for people.
            let lastNumber = previous.flatMap { Int(URL(fileURLWithPath: $0).lastPathComponent.prefix { $0.isNumber }) } ?? 0
            let stamp = Timestamps.now().filter { $0.isNumber || $0 == "T" || $0 == "Z" }
            let path = "\(directory)/\(String(format: "%08d", lastNumber + 1))-\(stamp)-\(chained.runID).json"
            try Self.atomicWrite(bytes, to: path)
            return (chained, SHA256.hash(bytes).hexString, path)
        }
    }

    /// Writes a file under a temporary name, flushes it to disk and renames it into place.
    public static func atomicWrite(_ bytes: [UInt8], to path: String, mode: mode_t = 0o640) throws {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_CREAT | O_WRONLY | O_TRUNC, mode)
        guard descriptor >= 0 else { throw ReportStoreError("could not write \"\(temporary)\": \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else {
                close(descriptor)
                unlink(temporary)
                throw ReportStoreError("could not write \"\(temporary)\": \(String(cString: strerror(errno)))")
            }
            written += count
        }
        fsync(descriptor)
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw ReportStoreError("could not rename \"\(temporary)\" to \"\(path)\": \(String(cString: strerror(errno)))")
        }
    }
}

/// A report could not be written.
public struct ReportStoreError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
