import Postgres

extension Connection {
    /// Runs a query that reads every due row (a count, a list of tenants) in a READ ONLY
    /// transaction with a longer `statement_timeout` than a batch's: 30 minutes. It takes no
    /// lock that writers wait for, so it may take as long as the table needs.
    func longRead(_ sql: String, _ parameters: [String?]) throws -> QueryResult {
        try transaction(readOnly: true) {
            try execute("SET LOCAL statement_timeout = '30min'")
            return try execute(sql, parameters)
        }
    }
}
