import Foundation
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

    /// `--log-format json`: one JSON object per line on stderr (journald-friendly); set by `run`
    /// once its options are parsed, before anything is logged.
    static var jsonLogs: Bool {
        get { logFormatJSON.withLock { $0 } }
        set { logFormatJSON.withLock { $0 = newValue } }
    }

    private static let logFormatJSON = Locked(false)

    /// One line: control characters in `message` are escaped.
    static func error(_ message: String) {
        jsonLogs ? event("error", message, []) : err("retention: error: \(message.escapingControlCharacters)")
    }

    /// One line: control characters in `message` are escaped.
    static func warning(_ message: String) {
        jsonLogs ? event("warning", message, []) : err("retention: warning: \(message.escapingControlCharacters)")
    }

    /// A structured log line in JSON mode; nothing in text mode (stdout has the summary).
    static func event(_ level: String, _ message: String, _ fields: [(String, JSONValue)]) {
        guard jsonLogs else { return }
        let members: [(String, JSONValue)] = [("time", .string(Timestamps.now())), ("level", .string(level)), ("message", .string(message))]
        err(JSONWriter.write(.members(members + fields.filter { $0.1 != .null }), pretty: false))
    }
}
