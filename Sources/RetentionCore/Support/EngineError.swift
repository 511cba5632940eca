/// Errors of the engine itself, with the rule or record they concern.
public enum EngineError: Error, Sendable, CustomStringConvertible {
    case unsupported(String)

    public var description: String {
        switch self {
        case let .unsupported(message): return message
        }
    }
}
