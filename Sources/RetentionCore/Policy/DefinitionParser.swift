import Postgres

/// What a rule and a subjects target share in a policy file, parsed in one place: the object
/// itself, its `name`, `category`, `basis`, `purpose`, `recipients`, `table` and `tenantColumn`.
/// A key that both gain is written here once.
enum DefinitionParser {
    /// The keys a rule and a target share, as read (each nil when absent or invalid).
    struct Shared {
        var name: String?
        var category: String?
        var basis: String?
        /// Why the data is processed, for the record of processing (`retention schedule`).
        var purpose: String?
        /// Who receives the data, for the record of processing.
        var recipients: [String] = []
        /// `table` as written, and as an identifier when it is one.
        var tableText: String?
        var table: Identifier?
        var tenantColumn: String?
    }

    /// The reader of definition number `index` (0-based), named in problems by its `name` when
    /// that is a plain name (else `#N`); or the problem that it is no object.
    static func reader(_ value: JSONValue, index: Int, scope: PolicyProblem.Scope) -> Result<ObjectReader, PolicyProblem> {
        let placeholder = "#\(index + 1)"
        guard case .object = value else {
            let what = scope == .rule ? "(rule)" : "(target)"
            return .failure(PolicyProblem(rule: placeholder, key: what, message: "must be an object, not \(value.typeName)", scope: scope))
        }
        let declaredName: String? = if case let .string(text)? = value["name"], PolicyParser.isPlainName(text) { text } else { nil }
        return .success(ObjectReader(value, rule: declaredName ?? placeholder, path: "", scope: scope)!)
    }

    /// Reads the shared keys. `table` must name a table when it is given (`tableRequired`: and
    /// it must be given).
    static func shared(_ reader: inout ObjectReader, categoryRequired: Bool, tableRequired: Bool) -> Shared {
        var shared = Shared()
        shared.name = reader.string("name", required: true)
        if let name = shared.name, !PolicyParser.isPlainName(name) {
            reader.problem("name", "\"\(name)\" may contain only letters, digits, \".\", \"-\" and \"_\"")
        }
        shared.category = reader.string("category", required: categoryRequired)
        shared.basis = reader.string("basis", required: false)
        shared.purpose = reader.string("purpose", required: false)
        shared.recipients = reader.strings("recipients", required: false) ?? []
        shared.tableText = reader.string("table", required: tableRequired)
        shared.table = shared.tableText.flatMap { Identifier(qualified: $0) }
        shared.tenantColumn = reader.string("tenantColumn", required: false)
        return shared
    }

    /// The problem of a `table` that names no table.
    static func checkTableName(_ shared: Shared, _ reader: inout ObjectReader) {
        if let text = shared.tableText, shared.table == nil {
            reader.problem("table", "\"\(text)\" is not a table name; write \"table\" or \"schema.table\"")
        }
    }
}
