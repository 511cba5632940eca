/// The words for what each action does, in one place: the plan's timeline, the reports and the
/// summaries all read them from here.
extension ActionKind {
    /// The verb of a plan's timeline: "delete 1,200 rows of public.events".
    public var verb: String {
        switch self {
        case .delete, .pseudonymise, .aggregate: return rawValue
        case .purgeFiles: return "remove"
        case .expireBackups: return "expire"
        }
    }

    /// What was done to the rows, for reports: "1,200 rows of public.events deleted".
    public var pastTense: String {
        switch self {
        case .delete: return "deleted"
        case .pseudonymise: return "pseudonymised"
        case .aggregate: return "aggregated into statistics and removed"
        case .purgeFiles: return "removed"
        case .expireBackups: return "expired"
        }
    }

    /// Whether the action takes personal data out of the database (so a restore must redo it):
    /// every action but the removal of backups, which the ledger does not concern.
    public var erasesPersonalData: Bool {
        switch self {
        case .delete, .pseudonymise, .aggregate: return true
        case .purgeFiles, .expireBackups: return false
        }
    }

    /// Reads an action recorded in the engine's tables.
    init(recorded name: String) throws {
        guard let kind = ActionKind(rawValue: name) else {
            throw EngineError.unknownRecordedAction(name)
        }
        self = kind
    }
}

extension PseudonymStrategy {
    /// What the strategy left of a column, for reports.
    public func describe(_ column: String) -> String {
        switch self {
        case .hmac: return "\(column) replaced by a keyed hash (HMAC-SHA256)"
        case .null: return "\(column) erased"
        case .redact: return "\(column) replaced by [redacted]"
        case .truncateIP: return "\(column) shortened to its network (IPv4 /24, IPv6 /48)"
        }
    }
}
