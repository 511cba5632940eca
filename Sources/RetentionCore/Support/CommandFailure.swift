import Postgres

/// An error that ends a command: the exit code it ends with, and the lines it says (each
/// printed as one `retention: error:` line). The command line catches this one protocol.
public protocol CommandFailure: Error {
    var exitCode: ExitCode { get }
    var messages: [String] { get }
}

extension CommandFailure where Self: CustomStringConvertible {
    public var messages: [String] { [description] }
}

extension PolicyError: CommandFailure {
    public var exitCode: ExitCode { .usage }
    public var messages: [String] { problems.map(\.description) }
}

extension RunError: CommandFailure {}

extension RequestBook.RequestError: CommandFailure {
    public var exitCode: ExitCode { .usage }
}

extension MigrationError: CommandFailure {
    public var exitCode: ExitCode { .usage }
}

extension ErasureLedger.LedgerError: CommandFailure {
    public var exitCode: ExitCode { .failure }
}

extension ReportStoreError: CommandFailure {
    public var exitCode: ExitCode { .failure }
}

extension EngineError: CommandFailure {
    public var exitCode: ExitCode { .failure }
}

/// A database error says only its safe description (never the server's detail or hint, which
/// may quote the row concerned).
extension PostgresError: CommandFailure {
    public var exitCode: ExitCode { .failure }
    public var messages: [String] { ["database error: \(self)"] }
}
