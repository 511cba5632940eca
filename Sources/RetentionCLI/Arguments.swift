import Foundation
import RetentionCore

/// A usage error: one line naming the flag, then a pointer to `--help`; exit 2.
struct UsageError: Error {
    let message: String
    let command: String?
}

/// Parsed options of one command. Strict: an unknown option, a missing or empty value, a
/// repeated option that may appear once, or a stray argument is a `UsageError`.
struct Arguments {
    let command: String
    private var values: [String: [String]] = [:]
    private(set) var positionals: [String] = []

    /// Parses `arguments` by the options of `spec`, the same table its `--help` is made from.
    init(_ spec: CommandSpec, _ arguments: [String]) throws {
        let command = spec.name
        let options = spec.options
        let allowed = spec.positionals
        self.command = command
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                guard argument.hasPrefix("-") == false || argument == "-", positionals.count < allowed else {
                    throw UsageError(message: argument.hasPrefix("-") ? "unrecognized option \"\(argument)\"" : "too many command-line arguments (first is \"\(argument)\")", command: command)
                }
                positionals.append(argument)
                continue
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let spec = options.first(where: { $0.name == name }) else {
                throw UsageError(message: "unrecognized option \"--\(name)\"", command: command)
            }
            if values[name] != nil, !spec.repeatable {
                throw UsageError(message: "option --\(name) given more than once", command: command)
            }
            if spec.takesValue {
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                        throw UsageError(message: "option --\(name) requires a value", command: command)
                    }
                    value = arguments[index]
                    index += 1
                }
                // An empty path, time or name is never meant: `--state-dir=` would write to `/reports`.
                guard !value.isEmpty else { throw UsageError(message: "option --\(name) requires a non-empty value", command: command) }
                values[name, default: []].append(value)
            } else {
                guard inlineValue == nil else { throw UsageError(message: "option --\(name) takes no value", command: command) }
                values[name] = [""]
            }
        }
    }

    func value(_ name: String) -> String? { values[name]?.last }

    func values(_ name: String) -> [String] { values[name] ?? [] }

    func flag(_ name: String) -> Bool { values[name] != nil }

    func required(_ name: String) throws -> String {
        guard let value = value(name) else { throw UsageError(message: "option --\(name) is required", command: command) }
        return value
    }

    func integer(_ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text) else { throw UsageError(message: "invalid value \"\(text)\" for option --\(name)", command: command) }
        guard range.contains(number) else { throw UsageError(message: "--\(name) must be in range \(range.lowerBound)..\(range.upperBound)", command: command) }
        return number
    }

    func instant(_ name: String) throws -> String? {
        try parsed(name, TimeText.instant, "write a real date and time from year 1 on in ISO 8601 with an offset up to ±15:59, such as 2026-03-15T00:00:00Z")
    }

    func duration(_ name: String) throws -> Double? {
        try parsed(name, TimeText.duration, "write 90s, 30m, 2h or ISO 8601 such as PT2H")
    }

    func byteSize(_ name: String) throws -> Int64? {
        try parsed(name, ByteSize.bytes, "write a size such as 64MB, 1GB or a number of bytes")
    }

    /// The value of `name` read by `parse`; a usage error that says how to write it (`form`)
    /// when `parse` cannot read it.
    private func parsed<T>(_ name: String, _ parse: (String) -> T?, _ form: String) throws -> T? {
        guard let text = value(name) else { return nil }
        guard let parsed = parse(text) else {
            throw UsageError(message: "invalid value \"\(text)\" for option --\(name); \(form)", command: command)
        }
        return parsed
    }

    /// The file option `name` names, checked before anything runs: not a directory, and in a
    /// directory that exists and may be written (a command must not do its work and then fail).
    func outputFile(_ name: String) throws -> String? {
        guard let path = value(name) else { return nil }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw UsageError(message: "cannot write --\(name) \"\(path)\": it is a directory; name a file", command: command)
        }
        let directory = (path as NSString).deletingLastPathComponent
        guard FileManager.default.isWritableFile(atPath: directory.isEmpty ? "." : directory) else {
            throw UsageError(message: "cannot write --\(name) \"\(path)\": directory \"\(directory)\" does not exist or is not writable", command: command)
        }
        return path
    }

    func choice(_ name: String, _ choices: [String], default fallback: String) throws -> String {
        try choice(name, choices) ?? fallback
    }

    /// `--format` of a command that writes a `Document` (default: json).
    func documentFormat() throws -> DocumentFormat {
        let name = try choice("format", DocumentFormat.allCases.map(\.rawValue), default: DocumentFormat.json.rawValue)
        return DocumentFormat(rawValue: name) ?? .json
    }

    /// The option's value, one of `choices`, or nil when it is not given.
    func choice(_ name: String, _ choices: [String]) throws -> String? {
        guard let text = value(name) else { return nil }
        guard choices.contains(text) else {
            throw UsageError(message: "invalid value \"\(text)\" for option --\(name); use \(choices.joined(separator: ", "))", command: command)
        }
        return text
    }
}
