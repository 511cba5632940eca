/// One erasure decision: a rule acted on a tenant's rows because of a termination or a
/// removal, or removed a whole partition. No personal data: tenant key, partition, rule, table
/// and times only.
public struct ErasureEntry: Sendable, Equatable {
    /// The tenant whose rows were erased; nil for a partition's entry.
    public var tenant: String?
    public var rule: String
    public var table: String
    /// What made the rows due: `tenant.terminatedAt`, or the anchor columns.
    public var anchor: String
    /// The tenant's termination time, for termination-anchored rules.
    public var terminatedAt: String?
    public var cutoff: String
    public var asOf: String
    public var runID: String
    /// When the entry was written (ISO 8601, UTC), before the batch that deletes committed.
    public var recordedAt: String
    /// A partition removed whole: its name and exact row count, written before its detach commits.
    public var partition: String?
    public var rows: Int64?

    public var isTermination: Bool { anchor == "tenant.terminatedAt" || terminatedAt != nil }

    public var json: JSONValue {
        .members([
            ("tenant", .optionalString(tenant)), ("rule", .string(rule)), ("table", .string(table)), ("anchor", .string(anchor)),
            ("terminatedAt", .optionalString(terminatedAt)), ("cutoff", .string(cutoff)), ("asOf", .string(asOf)),
            ("runId", .string(runID)), ("recordedAt", .string(recordedAt)),
        ] + (partition.map { [("partition", .string($0)), ("rows", .int(rows ?? 0))] } ?? []))
    }

    init?(json value: JSONValue) {
        func text(_ key: String) -> String? { if case let .string(text)? = value[key] { text } else { nil } }
        let tenant = text("tenant")
        let partition = text("partition")
        guard tenant != nil || partition != nil, let rule = text("rule"), let table = text("table"), let anchor = text("anchor"),
              let cutoff = text("cutoff"), let asOf = text("asOf"), let runID = text("runId"), let recordedAt = text("recordedAt") else { return nil }
        self.init(tenant: tenant, rule: rule, table: table, anchor: anchor, terminatedAt: text("terminatedAt"), cutoff: cutoff,
                  asOf: asOf, runID: runID, recordedAt: recordedAt)
        self.partition = partition
        if case let .number(count)? = value["rows"] { rows = Int64(count) }
    }

    public init(tenant: String?, rule: String, table: String, anchor: String, terminatedAt: String?, cutoff: String, asOf: String,
                runID: String, recordedAt: String) {
        self.tenant = tenant
        self.rule = rule
        self.table = table
        self.anchor = anchor
        self.terminatedAt = terminatedAt
        self.cutoff = cutoff
        self.asOf = asOf
        self.runID = runID
        self.recordedAt = recordedAt
    }
}
