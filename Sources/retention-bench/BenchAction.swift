/// What one measurement compares: a rule of the engine against the single statement that does
/// the same. The first three run on `BenchData`'s table, the tenant rules on `BenchTenantData`'s.
enum BenchAction: String, CaseIterable {
    case delete, pseudonymise, aggregate
    /// Rows of terminated tenants, not held, not referenced by a note.
    case terminate
    /// Rows removed (`removed_at`) or of terminated tenants: the earliest anchor counts.
    case earliestOf = "earliest-of"
    /// Rows older than their tenant's own term (`due.perTenant`), not held, not referenced by a note.
    case perTenant = "per-tenant"

    /// Whether the action runs on the tenants' table.
    var onTenantTable: Bool {
        switch self {
        case .delete, .pseudonymise, .aggregate: return false
        case .terminate, .earliestOf, .perTenant: return true
        }
    }
}
