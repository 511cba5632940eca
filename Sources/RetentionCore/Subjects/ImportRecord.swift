/// How a person's identity was verified before their request was filed (`--verified-by`,
/// `--evidence`; `verifiedBy`, `evidence` in an import): the method, and a reference to the
/// evidence, which is kept elsewhere. Shown on the receipt and in the register.
public struct Verification: Sendable, Equatable {
    public var method: String?
    public var evidence: String?

    public init(method: String? = nil, evidence: String? = nil) {
        self.method = method
        self.evidence = evidence
    }
}

/// One request of a `request import` file, read and checked as far as the file alone allows.
public struct ImportRecord: Sendable {
    /// The file's line the record starts on.
    public let line: Int
    public let subject: GivenValue
    public let reference: String?
    /// ISO 8601, as `TimeText.instant` normalises it; nil for the time of filing.
    public let receivedAt: String?
    public let categories: [String]
    public let verification: Verification
}

/// A record of an import file that cannot be filed: its line, the field, and why.
public struct BadRecord: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let field: String
    public let reason: String

    public var description: String { "line \(line), field \(field): \(reason)" }
}

/// An import file with bad records: nothing of it was filed (exit 2, a line for each).
public struct ImportRefused: Error, CommandFailure {
    public let records: [BadRecord]

    public init(records: [BadRecord]) { self.records = records }

    public var exitCode: ExitCode { .usage }
    public var messages: [String] {
        records.map(\.description) + ["nothing was filed: \(records.count) bad record\(records.count == 1 ? "" : "s"); mend them and import the whole file again"]
    }
}
