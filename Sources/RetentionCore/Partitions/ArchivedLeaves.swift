import Postgres

/// The tables that the engine detached from a table and that still exist outside it: partitions
/// archived by `"partitions": "detach"` (in `retention_archive`, or wherever they were moved
/// since), and partitions that a killed run detached and no run has finished yet (or left, having
/// found them changed). Their rows are no longer the table's, but they are still someone's: an
/// erasure request must reach them too.
public enum ArchivedLeaves {
    /// The tables detached from `parent` (the rule's table, by its oid now or by the name recorded)
    /// that exist and are attached to no table, found by the oid recorded at their detach, which
    /// survives the rename and the move to `retention_archive`.
    public static func of(parent: Identifier, connection: Connection) throws -> [Identifier] {
        try connection.execute(PartitionStatements.detachedTablesOf, [parent.sql, parent.description]).rows
            .map { Identifier(try $0.text(0), try $0.text(1)) }
    }
}
