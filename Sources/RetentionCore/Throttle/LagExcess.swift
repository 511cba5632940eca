import Foundation

/// One source over its limit, as measured before a batch.
public struct LagExcess: Sendable, Equatable {
    public enum Amount: Sendable, Equatable {
        case seconds(Double)
        case bytes(Int64)
    }

    public var source: LagSource
    public var amount: Amount

    /// `replica "standby1" 3.2 s behind`, `slot "feed" retains 5.0 MB`.
    public var description: String {
        switch amount {
        case let .seconds(seconds): return "\(source.description) \(String(format: "%.1f", seconds)) s behind"
        case let .bytes(bytes): return "\(source.description) retains \(ByteSize.text(bytes)) of WAL"
        }
    }

    /// Whether this is more than `other` of the same kind (for keeping the worst seen).
    func exceeds(_ other: LagExcess) -> Bool {
        switch (amount, other.amount) {
        case let (.seconds(a), .seconds(b)): return a > b
        case let (.bytes(a), .bytes(b)): return a > b
        default: return false
        }
    }
}
