/// A JSON document as parsed: objects keep their keys in the order written.
///
/// The engine parses policies itself so that a duplicated key is an error (a second
/// `"after"` silently winning could keep or delete the wrong data) and every problem can
/// name the line it is on.
public indirect enum JSONValue: Sendable, Equatable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// A number, kept as its literal text so that no precision is lost.
    case number(String)
    case bool(Bool)
    case null

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(a), .array(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    /// The value under `key` when this is an object.
    public subscript(key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// A short name of the value's type for messages: "an object", "a string", ...
    public var typeName: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }
}

extension JSONValue {
    /// Builds an object from ordered members.
    public static func members(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(members.map { (key: $0.0, value: $0.1) })
    }

    public static func int<Integer: BinaryInteger>(_ value: Integer) -> JSONValue { .number(String(value)) }

    public static func optionalString(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
}
