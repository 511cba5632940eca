import Postgres

/// What the live catalog says about one table that a policy names.
public struct TableInfo: Sendable {
    public enum Kind: Sendable, Equatable {
        case table
        case partitioned
        /// A view, foreign table or anything else the engine cannot work on; `relkind` as read.
        case other(String)
    }

    public var oid: UInt32
    /// The resolved, schema-qualified name.
    public var identifier: Identifier
    public var kind: Kind
    public var columns: [ColumnInfo]
    public var primaryKey: [String]
    /// Unique, non-partial indexes over plain columns, each as its set of column names.
    public var uniqueKeys: [Set<String>]
    /// The heap relations that hold the rows: the table itself, or every leaf partition.
    public var leaves: [Identifier]
    /// Foreign keys from other tables (or partitions of them) to this table or its partitions.
    public var referencedBy: [ForeignKey]
    /// The role that owns the table.
    public var owner: String = ""
    /// Whether that role is a superuser (membership in it would make any role one).
    public var ownerIsSuperuser = false
    /// For a partitioned table, every leaf partition with its bounds; empty for a plain table.
    public var partitionLeaves: [PartitionLeaf] = []
    /// The columns that some level of the partition tree is range-partitioned by, alone.
    public var rangePartitionColumns: Set<String> = []
    /// The first column of every valid index (of the table or, partitioned, its parent index).
    public var indexLeadingColumns: Set<String> = []
    /// Tables whose rows a query of this table reads but that the engine's walk does not: tables
    /// that `INHERIT` from it or from one of its partitions (legacy partitioning), and partitions
    /// that are foreign tables.
    public var childrenOutsideWalk: [Identifier] = []
    /// Where Citus keeps the rows; `.local` without Citus.
    public var distribution = Distribution.local
    /// The materialized views that read the table, nearest first.
    public var materializedViews: [MaterializedView] = []

    public func column(_ name: String) -> ColumnInfo? { columns.first { $0.name == name } }
}

/// One column of a table, with the base type of a domain resolved.
public struct ColumnInfo: Sendable, Equatable {
    public var name: String
    /// The declared type as `format_type` prints it, such as `timestamp with time zone`.
    public var typeName: String
    /// The base type's name (`timestamptz`, `text`, `inet`, ...), through a domain.
    public var baseType: String
    /// The base type's `typcategory`: `S` string, `N` numeric, `D` date/time, `I` network, ...
    public var category: String
    public var notNull: Bool
    /// `atttypmod` (a domain's `typtypmod`): the type's precision, scale or length; -1 for none.
    public var typeModifier: Int = -1
    /// The declared type without its modifier (`character varying`, `numeric`, `citext`).
    public var unmodifiedType: String
    /// The base type through every domain, without modifier, as `format_type` prints it: what a
    /// value is compared in to prove that reading it as the column's type lost nothing.
    public var plainBaseType: String

    /// The `n` of `character varying(n)` or `character(n)`, when the type has one.
    public var maximumLength: Int? {
        guard category == "S", let open = typeName.firstIndex(of: "("), let close = typeName.firstIndex(of: ")") else { return nil }
        return Int(typeName[typeName.index(after: open)..<close])
    }

    public var isTimeAnchor: Bool { ["timestamptz", "timestamp", "date"].contains(baseType) }
    public var isText: Bool { category == "S" }
    public var isNumeric: Bool { category == "N" }
}

/// A foreign key that references a table a rule removes rows from.
public struct ForeignKey: Sendable, Equatable {
    public var name: String
    /// The table (or partition) the constraint is declared on.
    public var referencing: Identifier
    /// The partitioned table that holds `referencing`, or `referencing` itself.
    public var referencingRoot: Identifier
    public var referencingColumns: [String]
    public var referencedColumns: [String]
    public var onDelete: ForeignKeyAction
    /// Whether an index on the referencing table starts with the referencing columns.
    public var referencingIndexed: Bool

    /// Whether a referencing row stops the referenced row from being deleted.
    public var blocksDelete: Bool {
        switch onDelete {
        case .noAction, .restrict: return true
        case .cascade, .setNull, .setDefault: return false
        }
    }
}

/// What PostgreSQL does to referencing rows when the referenced row is deleted
/// (`pg_constraint.confdeltype`).
public enum ForeignKeyAction: String, Sendable {
    case noAction = "a"
    case restrict = "r"
    case cascade = "c"
    case setNull = "n"
    case setDefault = "d"
}
