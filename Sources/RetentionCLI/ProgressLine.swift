import Foundation
import RetentionCore

/// One line of progress on a terminal's stderr, rewritten in place: per running rule, the share
/// done, rows so far, the rate and the time left. Shown only when stderr is a terminal.
enum ProgressLine {
    static func show(_ rules: [RuleProgress]) {
        guard !rules.isEmpty else { return }
        let parts = rules.map { rule -> String in
            var text = "\(rule.rule) \(Int(rule.fraction * 100))% \(rule.affected) rows"
            if let waiting = rule.waitingFor { return text + ", waiting for \(waiting)" }
            text += " \(Int(rule.rowsPerSecond)) rows/s"
            if let left = rule.secondsLeft { text += " ~\(Int(left.rounded()))s left" }
            return text
        }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + parts.joined(separator: " | ")).utf8))
    }

    static func clear() {
        guard isatty(STDERR_FILENO) == 1, !Output.jsonLogs else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
