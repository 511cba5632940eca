/// One thing wrong with a policy: which rule, which key, and what to do about it.
public struct PolicyProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// What `rule` names: a rule, or a target of the policy's `subjects`.
    public enum Scope: String, Sendable {
        case rule
        case target = "subjects target"
        case processor
    }

    /// The rule's (or target's) name, or nil for a top-level key.
    public let rule: String?
    public let scope: Scope
    /// The key's path inside the rule (or the file), such as `due.after`.
    public let key: String
    public let message: String

    public init(rule: String?, key: String, message: String, scope: Scope = .rule) {
        self.rule = rule
        self.scope = scope
        self.key = key
        self.message = message
    }

    public var description: String {
        if let rule { return "\(scope.rawValue) \"\(rule)\", key \"\(key)\": \(message)" }
        return "key \"\(key)\": \(message)"
    }
}

/// A policy that could not be accepted; every problem found is listed, not only the first.
public struct PolicyError: Error, Sendable, CustomStringConvertible {
    public let problems: [PolicyProblem]

    public init(problems: [PolicyProblem]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
