import Foundation

/// The few settings of a pgBackRest configuration file that retention itself needs (where a
/// repository is, and of what type), read as pgBackRest does: the stanza's section over
/// `[global]`. Everything else is pgBackRest's to read.
struct PgBackRestConfig {
    private var global: [String: String] = [:]
    private var stanza: [String: String] = [:]

    init(path: String, stanza name: String) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        var section = ""
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if section == "global" { global[key] = value }
            if section == name { stanza[key] = value }
        }
    }

    func value(_ key: String) -> String? { stanza[key] ?? global[key] }
}
