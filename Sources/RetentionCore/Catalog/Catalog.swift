import Postgres

/// Reads table definitions from the live catalog (`pg_class`, `pg_attribute`, `pg_index`,
/// `pg_constraint`, `pg_partition_tree`).
public struct Catalog {
    let connection: Connection

    public init(connection: Connection) { self.connection = connection }

    /// The table named `identifier` (resolved through `search_path` when unqualified),
    /// or nil when there is none.
    public func table(_ identifier: Identifier) throws -> TableInfo? {
        let found = try connection.execute("""
            SELECT c.oid, n.nspname, c.relname, c.relkind, pg_catalog.pg_get_userbyid(c.relowner),
                   coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid = c.relowner), false)
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.oid = pg_catalog.to_regclass($1)
            """, [identifier.sql])
        guard let row = found.rows.first else { return nil }
        let oid = try row.text(0)
        let kind: TableInfo.Kind = switch try row.text(3) {
        case "r": .table
        case "p": .partitioned
        case let other: .other(other)
        }
        var info = TableInfo(oid: UInt32(try row.int64(0)), identifier: Identifier(try row.text(1), try row.text(2)), kind: kind,
                             columns: try columns(oid), primaryKey: try primaryKey(oid), uniqueKeys: try uniqueKeys(oid),
                             leaves: try leaves(oid), referencedBy: try referencingKeys(oid), indexLeadingColumns: try indexLeadingColumns(oid))
        info.owner = try row.text(4)
        info.ownerIsSuperuser = try row.bool(5)
        if kind == .partitioned {
            (info.partitionLeaves, info.rangePartitionColumns) = try partitionTree(oid)
        }
        info.childrenOutsideWalk = try childrenOutsideWalk(oid)
        info.distribution = try distribution(oid)
        info.materializedViews = try materializedViews(oid)
        return info
    }

    /// Children of the table or of its partitions that are not partitions (`INHERITS`), and
    /// partitions that are foreign tables.
    private func childrenOutsideWalk(_ oid: String) throws -> [Identifier] {
        try connection.execute("""
            SELECT n.nspname, c.relname FROM pg_catalog.pg_inherits i
            JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE (i.inhparent = $1::oid OR i.inhparent IN (SELECT relid FROM pg_catalog.pg_partition_tree($1::oid::regclass)))
              AND NOT (c.relispartition AND c.relkind IN ('r', 'p'))
            ORDER BY 1, 2
            """, [oid]).rows.map { Identifier(try $0.text(0), try $0.text(1)) }
    }

    /// The table's placement in Citus's metadata, when the database has Citus.
    private func distribution(_ oid: String) throws -> Distribution {
        guard try connection.execute("SELECT to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL").requiredScalar() == "t",
              let row = try connection.execute("""
                SELECT p.partmethod::text, p.repmodel::text, pg_catalog.column_to_column_name(p.logicalrelid, p.partkey),
                       (SELECT count(*) FROM pg_catalog.pg_dist_shard s WHERE s.logicalrelid = p.logicalrelid),
                       (SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM pg_catalog.pg_dist_placement pl
                          JOIN pg_catalog.pg_dist_shard s ON s.shardid = pl.shardid
                          WHERE s.logicalrelid = p.logicalrelid GROUP BY pl.shardid) AS copies)
                FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = $1::oid
                """, [oid]).rows.first else { return .local }
        switch (try row.text(0), try row.text(1)) {
        case ("h", _):
            return .distributed(column: try row.text(2), shards: Int(try row.int64(3)), replicas: Int(try row.int64(4)))
        case ("n", "t"):
            return .reference
        case ("n", "s"):
            return .citusLocal
        case let (method, model):
            return .other("partmethod \(method), repmodel \(model)")
        }
    }

    /// Every leaf of the partition tree under `oid` with the upper bounds of the range levels
    /// above it, and the columns that range levels partition by.
    private func partitionTree(_ oid: String) throws -> ([PartitionLeaf], Set<String>) {
        struct Node {
            var identifier: Identifier
            var parent: String?
            var isLeaf: Bool
            var bound: String?
            var detachPending: Bool
            var owned: Bool
            /// For a partitioned node: its key column when it is range-partitioned by one plain column.
            var rangeKey: (column: String, type: String)?
        }
        var nodes: [String: Node] = [:]
        var order: [String] = []
        for row in try connection.execute("""
            SELECT c.oid::text, n.nspname, c.relname, i.inhparent::text, c.relkind = 'r', pg_catalog.pg_get_expr(c.relpartbound, c.oid),
                   coalesce(i.inhdetachpending, false), pg_catalog.pg_has_role(c.relowner, 'USAGE'),
                   a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)
            FROM pg_catalog.pg_partition_tree($1::oid::regclass) p
            JOIN pg_catalog.pg_class c ON c.oid = p.relid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid
            LEFT JOIN pg_catalog.pg_partitioned_table pt ON pt.partrelid = c.oid AND pt.partstrat = 'r' AND pt.partnatts = 1
            LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = pt.partattrs[0] AND a.attnum > 0
            ORDER BY p.level, n.nspname, c.relname
            """, [oid]).rows {
            let key = try row.text(0)
            order.append(key)
            nodes[key] = Node(identifier: Identifier(try row.text(1), try row.text(2)), parent: row[3], isLeaf: try row.bool(4),
                              bound: row[5], detachPending: try row.bool(6), owned: try row.bool(7),
                              rangeKey: row[8].map { ($0, row[9] ?? "") })
        }
        var leaves: [PartitionLeaf] = []
        for key in order {
            guard let node = nodes[key], node.isLeaf, let parentKey = node.parent, let parent = nodes[parentKey] else { continue }
            var bounds: [PartitionLeaf.UpperBound] = []
            var current = node
            while let above = current.parent.flatMap({ nodes[$0] }) {
                if let rangeKey = above.rangeKey, let bound = current.bound, let upper = PartitionBoundText.upper(bound) {
                    bounds.append(PartitionLeaf.UpperBound(column: rangeKey.column, columnType: rangeKey.type, upper: upper))
                }
                current = above
            }
            leaves.append(PartitionLeaf(identifier: node.identifier, parent: parent.identifier,
                                        detachPending: node.detachPending, removableByCurrentRole: node.owned && parent.owned,
                                        upperBounds: bounds))
        }
        return (leaves, Set(nodes.values.compactMap { $0.rangeKey?.column }))
    }

    private func indexLeadingColumns(_ oid: String) throws -> Set<String> {
        Set(try connection.execute("""
            SELECT DISTINCT a.attname FROM pg_catalog.pg_index i
            JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
            WHERE i.indrelid = $1::oid AND i.indisvalid
            """, [oid]).rows.map { try $0.text(0) })
    }

    private func columns(_ oid: String) throws -> [ColumnInfo] {
        try connection.execute("""
            SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), b.typname, b.typcategory, a.attnotnull,
                   CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END, pg_catalog.format_type(a.atttypid, NULL),
                   (WITH RECURSIVE chain(oid, typname, typtype, typbasetype) AS (
                        SELECT a.atttypid, t.typname, t.typtype, t.typbasetype
                        UNION ALL
                        SELECT d.oid, d.typname, d.typtype, d.typbasetype FROM pg_catalog.pg_type d JOIN chain ON d.oid = chain.typbasetype
                        WHERE chain.typtype = 'd')
                    -- Without a modifier, character and bit mean length 1: their unbounded forms.
                    SELECT CASE chain.typname WHEN 'bpchar' THEN 'bpchar' WHEN 'bit' THEN 'bit varying'
                                ELSE pg_catalog.format_type(chain.oid, NULL) END
                    FROM chain WHERE chain.typtype <> 'd')
            FROM pg_catalog.pg_attribute a
            JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
            JOIN pg_catalog.pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
            WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """, [oid]).rows.map { row in
            ColumnInfo(name: try row.text(0), typeName: try row.text(1), baseType: try row.text(2),
                       category: try row.text(3), notNull: try row.bool(4), typeModifier: Int(try row.int64(5)),
                       unmodifiedType: try row.text(6), plainBaseType: try row.text(7))
        }
    }

    private func primaryKey(_ oid: String) throws -> [String] {
        try connection.execute("""
            SELECT a.attname
            FROM pg_catalog.pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
            JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = $1::oid AND i.indisprimary
            ORDER BY k.position
            """, [oid]).rows.map { try $0.text(0) }
    }

    private func uniqueKeys(_ oid: String) throws -> [Set<String>] {
        let rows = try connection.execute("""
            SELECT i.indexrelid, a.attname
            FROM pg_catalog.pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) AS k(attnum)
            LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = $1::oid AND i.indisunique AND i.indisvalid AND i.indpred IS NULL
            ORDER BY i.indexrelid
            """, [oid]).rows
        var keys: [String: Set<String>?] = [:]
        var order: [String] = []
        for row in rows {
            let index = try row.text(0)
            if keys[index] == nil { keys[index] = Set<String>(); order.append(index) }
            // An expression column (no attribute) makes the index unusable as a plain key.
            if let name = row[1] { keys[index] = keys[index]!.map { $0.union([name]) } } else { keys[index] = .some(nil) }
        }
        return order.compactMap { keys[$0] ?? nil }
    }

    private func leaves(_ oid: String) throws -> [Identifier] {
        try connection.execute("""
            SELECT n.nspname, c.relname
            FROM pg_catalog.pg_partition_tree($1::oid::regclass) p
            JOIN pg_catalog.pg_class c ON c.oid = p.relid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE p.isleaf AND c.relkind = 'r'
            UNION ALL
            SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.oid = $1::oid AND c.relkind = 'r' AND NOT c.relispartition
            """, [oid]).rows.map { Identifier(try $0.text(0), try $0.text(1)) }
    }

    private func referencingKeys(_ oid: String) throws -> [ForeignKey] {
        try connection.execute("""
            SELECT con.conname, rn.nspname, rc.relname, tn.nspname, tc.relname, con.confdeltype,
                   (SELECT json_agg(a.attname ORDER BY k.position) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, position)
                      JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum)::text,
                   (SELECT json_agg(a.attname ORDER BY k.position) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, position)
                      JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum)::text,
                   EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = con.conrelid
                           AND (i.indkey::int2[])[0:array_length(con.conkey, 1) - 1] @> con.conkey
                           AND (i.indkey::int2[])[0:array_length(con.conkey, 1) - 1] <@ con.conkey)
            FROM pg_catalog.pg_constraint con
            JOIN pg_catalog.pg_class rc ON rc.oid = con.conrelid
            JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
            JOIN pg_catalog.pg_class tc ON tc.oid = coalesce(pg_catalog.pg_partition_root(con.conrelid), con.conrelid)
            JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
            WHERE con.contype = 'f' AND con.conparentid = 0
              AND (con.confrelid = $1::oid OR con.confrelid IN (SELECT relid FROM pg_catalog.pg_partition_tree($1::oid::regclass)))
            ORDER BY con.conname
            """, [oid]).rows.map { row in
            ForeignKey(name: try row.text(0), referencing: Identifier(try row.text(1), try row.text(2)),
                       referencingRoot: Identifier(try row.text(3), try row.text(4)),
                       referencingColumns: try Catalog.names(row.text(6)), referencedColumns: try Catalog.names(row.text(7)),
                       onDelete: try Catalog.deleteAction(row.text(5)), referencingIndexed: try row.bool(8))
        }
    }

    private static func deleteAction(_ code: String) throws -> ForeignKeyAction {
        guard let action = ForeignKeyAction(rawValue: code) else {
            throw PostgresError(kind: .unexpectedResult, message: "pg_constraint.confdeltype \"\(code)\" is unknown to this version of retention")
        }
        return action
    }

    /// The strings of a JSON array (a `text[]` read with `to_json`).
    static func names(_ json: String) throws -> [String] {
        guard case let .array(elements) = try JSONParser.parse(json) else { return [] }
        return elements.compactMap { if case let .string(name) = $0 { name } else { nil } }
    }
}
