import Foundation
import Testing
import TestSupport

/// What the data-subject tests share: a fixture with the subjects schema and policy, a key file,
/// and checks on what a table or the engine's schema holds.
struct SubjectFixture {
    let engine: EngineFixture
    let policy: String
    let keyFile: String
    /// The key's bytes as a bytea literal, for `expected_hmac`.
    let keyHex: String

    static func make(_ label: String, schemaSQL: String = SubjectSchema.sql, extraSQL: String = "",
                     policy: String = SubjectSchema.policy(), port: String = TestDatabase.port) throws -> SubjectFixture {
        let engine = try EngineFixture.make(label, schemaSQL: schemaSQL + "\n" + extraSQL + "\n" + HMACOracle.sql, port: port)
        let path = try engine.writePolicy(policy)
        let key = (0..<32).map { UInt8(($0 * 37 + 11) % 256) }
        let keyFile = engine.directory + "/pseudonym.key"
        try Data(key).write(to: URL(fileURLWithPath: keyFile))
        return SubjectFixture(engine: engine, policy: path, keyFile: keyFile, keyHex: key.map { String(format: "%02x", $0) }.joined())
    }

    var database: TestDatabase { engine.database }

    func retention(_ arguments: [String]) throws -> CommandResult { try engine.retention(arguments) }

    /// `request add` for `subject`; returns the id it printed.
    func add(_ subject: String, _ extra: [String] = []) throws -> String {
        let result = try retention(["request", "add", "--policy", policy, "--subject", subject] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(id) != nil, "request add prints the id alone: \(result.stdout)")
        return id
    }

    /// `run` with the key.
    func run(_ extra: [String] = []) throws -> CommandResult {
        try retention(["run", "--policy", policy, "--pseudonym-key-file", keyFile] + extra)
    }

    /// A checksum of every table the schema has, the engine's included.
    func checksums() throws -> [String] {
        try ["orgs", "users", "comments", "checkins", "audit_rows", "payment_methods", "invoices", "marketing_contacts",
             "retention.erasure_requests", "retention.erasure_request_values", "retention.erasure_request_events",
             "retention.request_batch_results", "retention.request_target_results", "retention.runs"].map { try database.checksum($0) }
    }

    /// The rows of every text-bearing column of the `retention` schema that contain `value`.
    func engineRowsContaining(_ value: String) throws -> Int64 {
        let columns = try database.connect().execute("""
            SELECT format('%I.%I', table_schema, table_name), quote_ident(column_name) FROM information_schema.columns
            WHERE table_schema = 'retention' AND data_type IN ('text', 'jsonb', 'ARRAY', 'character varying')
            """).rows
        var found: Int64 = 0
        for column in columns {
            found += try database.count("SELECT count(*) FROM \(column[0]!) WHERE \(column[1]!)::text LIKE '%' || $1 || '%'", [value])
        }
        return found
    }

    /// The latest run report's requests by id: status and targets by name.
    func reportedRequests() throws -> [Int64: (status: String?, targets: [String: [String: Any]])] {
        let requests = try engine.latestReport()["requests"] as? [[String: Any]] ?? []
        // A request or target reported twice fails the test (rather than crashing its process).
        return Dictionary(requests.map { entry in
            let targets = (entry["targets"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", $0) }
            return (entry.int("id"), (entry["status"] as? String, Dictionary(targets) { first, _ in
                Issue.record("a target is reported twice for request \(entry.int("id"))")
                return first
            }))
        }) { first, _ in
            Issue.record("a request is reported twice")
            return first
        }
    }

    func drop() { engine.drop() }
}
