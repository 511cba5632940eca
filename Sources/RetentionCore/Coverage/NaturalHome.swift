import Postgres

/// Where in the policy an uncovered column most naturally belongs.
public enum NaturalHome: Sendable, Equatable {
    /// A pseudonymise rule or subject target already works on the table: add the column to it.
    case pseudonymisation(String)
    /// The table references the subject table by `column`: a subject target matching it.
    case subjectTarget(column: String, references: Identifier)
    /// The table references the tenants table by `column`: a rule with that `tenantColumn`.
    case tenantRule(column: String, references: Identifier)

    public var description: String {
        switch self {
        case let .pseudonymisation(owner): return "add it to \(owner)"
        case let .subjectTarget(column, table): return "a subject target matching \(column) (references \(table))"
        case let .tenantRule(column, table): return "a rule with tenantColumn \(column) (references \(table))"
        }
    }
}
