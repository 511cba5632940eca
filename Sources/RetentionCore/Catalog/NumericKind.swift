/// How a numeric column holds its values: enough to tell whether a roll-up total can hold the
/// sum of a source column exactly, batch after batch, or would round it each time.
public enum NumericKind: Sendable, Equatable {
    /// `smallint`, `integer`, `bigint`: whole numbers of that many bytes.
    case integer(bytes: Int)
    /// `numeric(p,s)` with its scale (digits after the point, negative rounds to tens), or nil
    /// for unconstrained `numeric`, which holds any value exactly.
    case decimal(scale: Int?)
    /// `real` or `double precision`, of that many bytes.
    case floating(bytes: Int)
    /// Any other numeric type (`money`, ...), summed only into its own type.
    case other(String)

    /// Whether a column of this kind can accumulate sums of `source` values without rounding.
    public func holdsSums(of source: NumericKind) -> Bool {
        switch self {
        case let .integer(to):
            if case let .integer(from) = source { return to >= from }
            return false
        case let .decimal(scale):
            switch source {
            case .integer: return (scale ?? 0) >= 0
            case let .decimal(from): return scale == nil || (from.map { scale! >= $0 } ?? false)
            case .floating: return scale == nil
            case .other: return false
            }
        case let .floating(to):
            if case let .floating(from) = source { return to >= from }
            return false
        case let .other(to):
            if case let .other(from) = source { return from == to }
            return false
        }
    }

    /// Whether a counter of rows (`count(*)`, a `bigint`) fits without rounding or overflow.
    public var holdsCounts: Bool { holdsSums(of: .integer(bytes: 8)) }
}

extension ColumnInfo {
    /// The column's numeric kind, or nil when it is not numeric.
    public var numericKind: NumericKind? {
        switch baseType {
        case "int2": return .integer(bytes: 2)
        case "int4": return .integer(bytes: 4)
        case "int8": return .integer(bytes: 8)
        case "float4": return .floating(bytes: 4)
        case "float8": return .floating(bytes: 8)
        case "numeric":
            guard typeModifier >= 4 else { return .decimal(scale: nil) }
            // The scale is the low 11 bits of typmod - 4, signed (PostgreSQL 15 allows negative scales).
            let bits = (typeModifier - 4) & 0x7FF
            return .decimal(scale: bits >= 0x400 ? bits - 0x800 : bits)
        default:
            return isNumeric ? .other(baseType) : nil
        }
    }
}

extension NumericKind {
    /// What a total column for sums of `source` should be, for a policy problem's fix.
    static func exactTotalAdvice(for source: NumericKind) -> String {
        switch source {
        case .integer(bytes: 2): return "use smallint or a wider integer, or numeric"
        case .integer(bytes: 4): return "use integer or bigint, or numeric"
        case .integer: return "use bigint or numeric"
        case let .decimal(scale?): return "use numeric with scale \(scale) or more, or unconstrained numeric"
        case .decimal(nil): return "use unconstrained numeric"
        case let .floating(bytes): return bytes == 8 ? "use double precision or unconstrained numeric" : "use real, double precision or unconstrained numeric"
        case let .other(type): return "use \(type)"
        }
    }
}
