import Foundation
import Postgres

/// A retention policy: the reviewed JSON file that says what is kept, for how long, and what
/// happens to it then. Parsed and checked without a database by `PolicyParser`.
public struct Policy: Sendable {
    /// The policy's name, such as `okrnest-2026-04-29`; it names the run lock and the reports.
    public var name: String
    public var tenants: TenantSource?
    /// The first month of the financial year, 1-12 (default 1, January).
    public var financialYearStartMonth: Int
    /// The IANA zone in which calendar arithmetic and `date`/`timestamp` anchors are read.
    public var timeZone: String
    public var rules: [Rule]
    /// Where a person's data lives, for erasure requests and register extracts.
    public var subjects: SubjectMap?
    /// Recipients of the personal data, told of each erasure in their categories (GDPR Art. 19).
    public var processors: [Processor] = []
    /// Columns reviewed and declared not personal (`notPersonal`), for `coverage`.
    public var notPersonal: [ColumnReference] = []
    /// SHA-256 of the policy file's bytes, lower-case hex.
    public var sha256: String

    public func rule(named name: String) -> Rule? { rules.first { $0.name == name } }
}

/// A column named as `table.column` or `schema.table.column`.
public struct ColumnReference: Sendable, Equatable {
    public var table: Identifier
    public var column: String

    /// Splits `text` at its last dot; nil when there is no table part.
    public init?(_ text: String) {
        guard let dot = text.lastIndex(of: "."), let table = Identifier(qualified: String(text[..<dot])) else { return nil }
        let column = String(text[text.index(after: dot)...])
        guard !column.isEmpty else { return nil }
        self.table = table
        self.column = column
    }
}

/// The table of tenants (customers) and the column that records a contract's termination.
public struct TenantSource: Sendable, Equatable {
    public var table: Identifier
    public var key: String
    public var terminatedAt: String
}

/// One rule of a policy: which rows, when they are due, and what is done to them.
public struct Rule: Sendable {
    public var name: String
    public var category: String?
    public var basis: String?
    /// The table the rule works on; nil only for the backup actions (`purge-files`, `expire-backups`).
    public var table: Identifier?
    public var tenantColumn: String?
    public var due: Due
    public var action: Action
    /// How the rule treats partitions whose rows are all due (`partitions`, default `rows`).
    public var partitions: PartitionMode = .rows
    /// Why the data is processed (`purpose`), for the record of processing (`retention schedule`).
    public var purpose: String?
    /// Who receives the data (`recipients`), for the record of processing.
    public var recipients: [String] = []

    /// Whether the rule removes rows (and so can be blocked by foreign keys).
    public var removesRows: Bool {
        switch action {
        case .delete, .aggregate: return true
        case .pseudonymise, .purgeFiles, .expireBackups: return false
        }
    }
}

/// What a rule does with a leaf partition whose rows are all due: work it in row batches like
/// any other (`rows`), or remove it whole: `drop` it, or `detach` it into schema `retention_archive`.
public enum PartitionMode: String, Sendable, CaseIterable {
    case rows
    case drop
    case detach

    /// Whether the mode removes wholly due partitions whole.
    public var removesPartitions: Bool {
        switch self {
        case .rows: return false
        case .drop, .detach: return true
        }
    }
}

/// When a row (or file) is due: `after` has passed since its earliest anchor.
public struct Due: Sendable, Equatable {
    public var after: Period
    /// The anchors; the earliest non-null one counts. A row whose anchors are all NULL is never due.
    public var anchors: [Anchor]
    public var align: YearAlignment?
    /// Each tenant's own period, read from the tenants table (`perTenant`); nil: `after` for all.
    public var perTenant: TenantTerm? = nil
}

/// What a period counts from.
public enum Anchor: Sendable, Hashable, CustomStringConvertible {
    /// A timestamptz, timestamp or date column of the rule's table.
    case column(String)
    /// The rule's tenant's termination time (`tenant.terminatedAt`).
    case tenantTerminatedAt
    /// A file's modification time (`file.modified`), for `purge-files`.
    case fileModified
    /// A pgBackRest backup set's start (`backup.start`), for `expire-backups`.
    case backupStart

    public var description: String {
        switch self {
        case let .column(name): return name
        case .tenantTerminatedAt: return "tenant.terminatedAt"
        case .fileModified: return "file.modified"
        case .backupStart: return "backup.start"
        }
    }
}

/// Replaces an anchor by the end of the year that holds it.
public enum YearAlignment: String, Sendable, Equatable {
    case financialYearEnd = "financial-year-end"
    case calendarYearEnd = "calendar-year-end"
}

/// What a rule does to due rows.
public enum Action: Sendable {
    case delete
    case pseudonymise(PseudonymiseSpec)
    case aggregate(AggregateSpec)
    case purgeFiles(FileSpec)
    case expireBackups(PgBackRestSpec)

    public var kind: ActionKind {
        switch self {
        case .delete: return .delete
        case .pseudonymise: return .pseudonymise
        case .aggregate: return .aggregate
        case .purgeFiles: return .purgeFiles
        case .expireBackups: return .expireBackups
        }
    }
}

/// The kind of an action without its settings; its raw value is the name written in a policy
/// and recorded with every run.
public enum ActionKind: String, Sendable, CaseIterable {
    case delete
    case pseudonymise
    case aggregate
    case purgeFiles = "purge-files"
    case expireBackups = "expire-backups"

    /// The rule's key that holds the action's settings, if it has any.
    public var settingsKey: String? {
        switch self {
        case .delete: return nil
        case .pseudonymise, .aggregate: return rawValue
        case .purgeFiles: return "files"
        case .expireBackups: return "pgbackrest"
        }
    }

    /// Whether the action works on the rows of a table; the backup actions work on backups.
    public var actsOnTable: Bool {
        switch self {
        case .delete, .pseudonymise, .aggregate: return true
        case .purgeFiles, .expireBackups: return false
        }
    }

    /// The only anchor of a backup action, which counts from its backups' own time.
    public var backupAnchor: Anchor? {
        switch self {
        case .delete, .pseudonymise, .aggregate: return nil
        case .purgeFiles: return .fileModified
        case .expireBackups: return .backupStart
        }
    }
}

/// The columns to pseudonymise and the marker that records it.
public struct PseudonymiseSpec: Sendable, Equatable {
    public var columns: [ColumnStrategy]
    /// A nullable timestamptz column set to the time of the change; rows with a marker are done.
    public var marker: String

    public var needsKey: Bool { columns.contains { $0.strategy == .hmac } }
}

public struct ColumnStrategy: Sendable, Equatable {
    public var column: String
    public var strategy: PseudonymStrategy
}

public enum PseudonymStrategy: String, Sendable, CaseIterable {
    case hmac
    case null
    case redact
    case truncateIP = "truncate-ip"
}

/// The roll-up that `aggregate` counts due rows into before removing them.
public struct AggregateSpec: Sendable, Equatable {
    public var into: Identifier
    public var bucketColumn: String
    public var bucketUnit: BucketUnit
    public var dimensions: [String]
    public var countColumn: String
    /// Source column to total column, in the order written.
    public var sums: [SumColumn]
}

public struct SumColumn: Sendable, Equatable {
    public var source: String
    public var total: String
}

public enum BucketUnit: String, Sendable, CaseIterable {
    case day, week, month, year
}

/// The files that `purge-files` removes.
public struct FileSpec: Sendable, Equatable {
    public var directory: String
    public var glob: String
}

/// The pgBackRest repository that `expire-backups` keeps within the period.
public struct PgBackRestSpec: Sendable, Equatable {
    /// The stanza (`--stanza`).
    public var stanza: String
    /// pgBackRest's configuration file (`--config`), an absolute path; nil for pgBackRest's own
    /// default (`configFile`).
    public var config: String?
    /// The repository's number (`--repo`, 1-256).
    public var repo: Int

    /// The configuration file pgBackRest reads: `config`, else its default
    /// `/etc/pgbackrest/pgbackrest.conf`, or `/etc/pgbackrest.conf` (Debian's) when that does not exist.
    public var configFile: String {
        if let config { return config }
        let current = "/etc/pgbackrest/pgbackrest.conf"
        return access(current, F_OK) == 0 || access("/etc/pgbackrest.conf", F_OK) != 0 ? current : "/etc/pgbackrest.conf"
    }
}
