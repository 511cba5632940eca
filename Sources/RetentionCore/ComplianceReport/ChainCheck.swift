import Foundation

/// A run as the database recorded it, for checking the audit trail.
public struct RecordedRun: Sendable {
    public var id: String
    public var status: String
    public var reportSHA256: String?
    public var startedAt: String
}

/// Whether the chain of run reports in the state directory is whole: every report names the
/// SHA-256 of the one written before it, and every recorded run's report is there, unchanged.
public struct ChainCheck: Sendable {
    public var reportsChecked: Int
    /// One sentence per problem: a missing, changed or unlinked report.
    public var problems: [String]
    /// Runs that were killed before they could write a report; their batches still count.
    public var notes: [String]

    public var isIntact: Bool { problems.isEmpty }

    public static func verify(store: ReportStore, runs: [RecordedRun]) -> ChainCheck {
        var problems: [String] = []
        var notes: [String] = []
        let files = (try? store.reportFiles()) ?? []
        var digests: [String: String] = [:]
        var previous: (name: String, sha256: String)?
        for path in files {
            let name = URL(fileURLWithPath: path).lastPathComponent
            guard let data = FileManager.default.contents(atPath: path) else {
                problems.append("report \(name) cannot be read")
                continue
            }
            let digest = SHA256.hash(Array(data)).hexString
            digests[name] = digest
            let linked: String?? = (try? JSONParser.parse(String(decoding: data, as: UTF8.self))).map { value in
                if case let .string(text)? = value["previousReportSha256"] { return text }
                return nil
            }
            switch (linked, previous) {
            case (nil, _):
                problems.append("report \(name) is not valid JSON")
            case let (.some(link?), nil):
                problems.append("report \(name), the oldest here, follows a report (SHA-256 \(link.prefix(12))…) that is no longer in the directory")
            case let (.some(link), .some(before)) where link != before.sha256:
                problems.append("report \(name) does not follow \(before.name): its previousReportSha256 does not match; a report between them is missing or \(before.name) was changed")
            default:
                break
            }
            previous = (name, digest)
        }
        for run in runs {
            guard let expected = run.reportSHA256 else {
                if run.status != "running" { notes.append("run \(run.id) of \(run.startedAt) ended (\(run.status)) before writing a report; its batches are counted from the database") }
                continue
            }
            guard let name = digests.keys.first(where: { $0.contains(run.id) }) else {
                problems.append("the report of run \(run.id) of \(run.startedAt) is missing from \(store.directory)")
                continue
            }
            if digests[name] != expected {
                problems.append("the report of run \(run.id) (\(name)) was changed after it was written: its SHA-256 differs from the one recorded in the database")
            }
        }
        return ChainCheck(reportsChecked: files.count, problems: problems, notes: notes)
    }
}
