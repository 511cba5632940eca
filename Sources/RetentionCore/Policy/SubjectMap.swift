import Postgres

/// Where a person's data lives (policy `subjects`): the table with one row per person, the
/// columns a request may name them by, and the targets an erasure request acts on.
public struct SubjectMap: Sendable {
    public var table: Identifier
    /// The subject table's key column.
    public var key: String
    /// The other columns of the subject table a request may name the person by.
    public var identifiers: [String]
    /// How long after `receivedAt` a request must be answered (default 1 month).
    public var deadline: Period
    public var targets: [SubjectTarget]

    /// The answer's deadline GDPR Art. 12(3) sets: one month from receipt.
    public static let statutoryDeadline = Period(months: 1, days: 0)
    /// The longest deadline a policy may set: the month and the one extension of two months.
    public static let longestDeadline = Period(months: 3, days: 0)

    /// The columns a request may name: the key, then the identifiers.
    public var columns: [String] { [key] + identifiers }

    /// The categories of the targets, in the order first written.
    public var categories: [String] {
        var seen: [String] = []
        for target in targets where !seen.contains(target.category) { seen.append(target.category) }
        return seen
    }

    public func target(named name: String) -> SubjectTarget? { targets.first { $0.name == name } }
}

/// One table a person's rows are found in, and what an erasure request does to them.
public struct SubjectTarget: Sendable {
    public var name: String
    public var category: String
    public var basis: String?
    public var table: Identifier
    /// Ties the rows to a tenant: a legal hold on the tenant keeps them.
    public var tenantColumn: String?
    /// The target's columns and the subject column each is compared with.
    public var match: [SubjectMatch]
    public var action: SubjectAction
    /// Why the data is processed (`purpose`), for the record of processing (`retention schedule`).
    public var purpose: String?
    /// Who receives the data (`recipients`), for the record of processing.
    public var recipients: [String] = []

    /// Whether the target deletes or pseudonymises rows (it does not keep them).
    public var erases: Bool {
        switch action {
        case .delete, .pseudonymise: return true
        case .keep: return false
        }
    }

    /// Whether the target removes rows (and so can be blocked by foreign keys).
    public var removesRows: Bool {
        switch action {
        case .delete: return true
        case .pseudonymise, .keep: return false
        }
    }
}

/// `match`: the target's `column` holds one of the person's values of `subjectColumn`.
public struct SubjectMatch: Sendable, Equatable {
    public var column: String
    public var subjectColumn: String
}

/// What an erasure request does to a target's rows.
public enum SubjectAction: Sendable {
    case delete
    case pseudonymise(PseudonymiseSpec)
    /// A legal obligation keeps the rows; `untilRule` names the rule that removes them later.
    case keep(untilRule: String?)

    public var kind: SubjectActionKind {
        switch self {
        case .delete: return .delete
        case .pseudonymise: return .pseudonymise
        case .keep: return .keep
        }
    }
}

/// The kind of a target's action; its raw value is the name written in a policy.
public enum SubjectActionKind: String, Sendable, CaseIterable {
    case delete, pseudonymise, keep
}
