import Postgres

/// For `validate` and every run: the partitions the engine detached that stay outside their
/// table with rows in them and that no run of this policy will finish: detached by a killed run
/// from a table no rule of this policy removes partitions of (the policy was renamed, the rule
/// removed), or left by a run that found them changed (attached again, other rows, a hold).
enum UnfinishedRemovals {
    static func warnings(_ policy: Policy, schema: Schema, connection: Connection) throws -> [PolicyProblem] {
        guard try connection.execute(PartitionStatements.recordsHaveTables).requiredScalar() == "t" else { return [] }
        let owned = policy.rules.filter(\.partitions.removesPartitions).compactMap { schema.table(of: $0) }.map { String($0.oid) }
        return try connection.execute(PartitionStatements.needingAttention, [textArrayLiteral(owned)]).rows.map { row in
            let (runID, recordedPolicy, rule, partition, table) = (try row.text(0), try row.text(1), try row.text(2), try row.text(3), try row.text(4))
            let rows = try row.int64(5)
            let now = try row.text(8)
            let what = "partition \(partition) (\(rows) rows), detached from \(table) by run \(runID) of policy \"\(recordedPolicy)\" (rule \"\(rule)\")"
            let why = try row.text(6) == "left"
                ? "was left by a later run: \(try row.text(7))"
                : "is not finished, and no rule of this policy removes partitions of \(table)"
            return PolicyProblem(rule: nil, key: "partitions",
                                 message: "\(what) \(why); its rows are in table \(now), outside \(table): drop it, archive it or attach it again")
        }
    }
}
