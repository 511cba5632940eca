import Foundation
import Postgres
import RetentionCore

/// Messages in PostgreSQL's style: `retention: error: ...` on stderr, stdout flushed first.
enum Output {
    static func out(_ text: String, terminator: String = "\n") {
        FileHandle.standardOutput.write(Data((text + terminator).utf8))
    }

    /// Writes a document to `path` (atomically), or to stdout.
    static func write(_ text: String, to path: String?) throws {
        guard let path else { return out(text, terminator: "") }
        try ReportStore.atomicWrite(Array(text.utf8), to: path)
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func error(_ message: String, detail: String? = nil, hint: String? = nil) {
        err("retention: error: \(message)")
        if let detail { err("retention: detail: \(detail)") }
        if let hint { err("retention: hint: \(hint)") }
    }

    static func warning(_ message: String) { err("retention: warning: \(message)") }

    static func info(_ message: String) { err("retention: \(message)") }

    /// Prints a database error with the server's detail and hint.
    static func error(_ failure: PostgresError, doing action: String) {
        error("\(action): \(failure)", detail: failure.detail, hint: failure.hint)
    }
}
