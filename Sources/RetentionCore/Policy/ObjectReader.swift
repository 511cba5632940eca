/// Reads the members of one JSON object strictly: wrong types are problems, and so is every
/// key that was never read (an unknown key is a typo that could keep or delete the wrong data).
struct ObjectReader {
    let rule: String?
    let scope: PolicyProblem.Scope
    let path: String
    private let members: [(key: String, value: JSONValue)]
    /// The value of each key, so that reading a key of a large object does not scan it.
    private let values: [String: JSONValue]
    private var readKeys: Set<String> = []
    private(set) var problems: [PolicyProblem] = []

    /// When set, every key a parser asks any reader for, present in the policy or not, by its
    /// place in the file (`documentPath`): the keys the parser knows, for the test that checks
    /// docs/policy.md names them all.
    @TaskLocal static var keysAsked: Locked<Set<String>>?

    /// Nil (with a problem recorded by the caller) when `value` is not an object.
    init?(_ value: JSONValue, rule: String?, path: String, scope: PolicyProblem.Scope = .rule) {
        guard case let .object(members) = value else { return nil }
        self.rule = rule
        self.scope = scope
        self.path = path
        self.members = members
        values = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// The key's place in the policy file, as docs/policy.md writes it: `tenants.key`,
    /// `rules[].due.after`, `subjects.targets[].match`. Only a rule's or a target's reader names
    /// a `rule`; every other reader's `path` starts at the top of the file.
    func documentPath(_ key: String) -> String {
        guard rule != nil else { return keyPath(key) }
        let object = switch scope {
        case .rule: "rules[]"
        case .target: "subjects.targets[]"
        case .processor: "processors[]"
        }
        return object + "." + keyPath(key)
    }

    mutating func problem(_ key: String, _ message: String) {
        problems.append(PolicyProblem(rule: rule, key: keyPath(key), message: message, scope: scope))
    }

    mutating func absorb(_ other: [PolicyProblem]) { problems.append(contentsOf: other) }

    mutating func value(_ key: String) -> JSONValue? {
        readKeys.insert(key)
        Self.keysAsked?.withLock { _ = $0.insert(documentPath(key)) }
        return values[key]
    }

    mutating func has(_ key: String) -> Bool { values[key] != nil }

    mutating func string(_ key: String, required: Bool) -> String? {
        guard let value = value(key) else {
            if required { problem(key, "is missing") }
            return nil
        }
        guard case let .string(text) = value else {
            problem(key, "must be a string, not \(value.typeName)")
            return nil
        }
        guard !text.trimmingWhitespace.isEmpty else {
            problem(key, "must not be empty")
            return nil
        }
        return text
    }

    mutating func integer(_ key: String) -> Int? {
        guard let value = value(key) else { return nil }
        guard case let .number(text) = value, let number = Int(text) else {
            problem(key, "must be a whole number")
            return nil
        }
        return number
    }

    mutating func object(_ key: String, required: Bool) -> ObjectReader? {
        guard let value = value(key) else {
            if required { problem(key, "is missing") }
            return nil
        }
        guard let reader = ObjectReader(value, rule: rule, path: keyPath(key), scope: scope) else {
            problem(key, "must be an object, not \(value.typeName)")
            return nil
        }
        return reader
    }

    /// A list of non-empty strings; a single string is accepted as a list of one when `allowSingle`.
    mutating func strings(_ key: String, required: Bool, allowSingle: Bool = false) -> [String]? {
        guard let value = value(key) else {
            if required { problem(key, "is missing") }
            return nil
        }
        if allowSingle, case let .string(text) = value {
            guard !text.trimmingWhitespace.isEmpty else { problem(key, "must not be empty"); return nil }
            return [text]
        }
        guard case let .array(elements) = value else {
            problem(key, "must be an array of strings, not \(value.typeName)")
            return nil
        }
        var result: [String] = []
        var seen: Set<String> = []
        for element in elements {
            guard case let .string(text) = element, !text.trimmingWhitespace.isEmpty else {
                problem(key, "must contain only non-empty strings")
                return nil
            }
            guard seen.insert(text).inserted else {
                problem(key, "lists \"\(text)\" twice")
                return nil
            }
            result.append(text)
        }
        return result
    }

    /// An object whose values are all strings, in the order written.
    mutating func stringMap(_ key: String, required: Bool) -> [(key: String, value: String)]? {
        guard let value = value(key) else {
            if required { problem(key, "is missing") }
            return nil
        }
        guard case let .object(members) = value else {
            problem(key, "must be an object, not \(value.typeName)")
            return nil
        }
        var result: [(key: String, value: String)] = []
        for member in members {
            guard case let .string(text) = member.value else {
                problems.append(PolicyProblem(rule: rule, key: keyPath(key) + "." + member.key,
                                              message: "must be a string, not \(member.value.typeName)", scope: scope))
                return nil
            }
            result.append((key: member.key, value: text))
        }
        return result
    }

    /// Records a problem for every key that no reader asked for; returns all problems.
    mutating func finish() -> [PolicyProblem] {
        for member in members where !readKeys.contains(member.key) {
            problem(member.key, "unknown key; check its spelling against docs/policy.md")
        }
        return problems
    }
}

extension String {
    var trimmingWhitespace: Substring {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return slice
    }
}
