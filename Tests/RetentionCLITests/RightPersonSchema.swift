import Foundation
import Testing
import TestSupport

/// A schema where naming the wrong person is easy: people with an empty phone, two sharing a
/// phone, an e-mail that a narrower column cuts to another person's, a `citext` copy of an
/// e-mail in other case, and comments whose link is set NULL when their author's row goes.
enum RightPersonSchema {
    static let sql = """
        SET TimeZone = 'UTC';
        CREATE EXTENSION IF NOT EXISTS citext;
        CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, phone text NOT NULL DEFAULT '', name text,
                            removed_at timestamptz, pseudonymised_at timestamptz);
        CREATE INDEX ON users (email);
        CREATE INDEX ON users (phone);
        CREATE TABLE comments (id bigint PRIMARY KEY, user_id bigint REFERENCES users ON DELETE SET NULL, body text NOT NULL);
        CREATE INDEX ON comments (user_id);
        CREATE TABLE short_contacts (id bigint PRIMARY KEY, email varchar(16) NOT NULL, note text);
        CREATE INDEX ON short_contacts (email);
        CREATE TABLE phone_log (id bigint PRIMARY KEY, phone text NOT NULL, note text);
        CREATE INDEX ON phone_log (phone);
        CREATE TABLE ci_contacts (id bigint PRIMARY KEY, email citext NOT NULL);
        CREATE INDEX ON ci_contacts (email);
        INSERT INTO users SELECT g, 'p' || g || '@example.com', '+4670' || lpad(g::text, 4, '0'), 'Person ' || g, NULL, NULL
            FROM generate_series(1, 60) g;
        UPDATE users SET phone = '' WHERE id BETWEEN 1 AND 6;
        UPDATE users SET phone = '+46700000000' WHERE id IN (10, 11);
        UPDATE users SET removed_at = '2024-01-01' WHERE id IN (20, 21);
        INSERT INTO users VALUES (61, 'erik@example.com', '+46709990061', 'Erik One', NULL, NULL),
                                 (62, 'erik@example.com.au', '+46709990062', 'Erik Two', NULL, NULL);
        INSERT INTO comments SELECT g, 1 + g % 62, 'comment ' || g FROM generate_series(1, 620) g;
        INSERT INTO short_contacts SELECT g, 'p' || g || '@example.com', 'contact ' || g FROM generate_series(1, 60) g;
        INSERT INTO short_contacts VALUES (61, 'erik@example.com', 'Erik One''s newsletter');
        INSERT INTO phone_log SELECT g, u.phone, 'call ' || g FROM generate_series(1, 310) g JOIN users u ON u.id = 1 + g % 62;
        INSERT INTO phone_log SELECT 1000 + g, '', 'anonymous call ' || g FROM generate_series(1, 25) g;
        INSERT INTO ci_contacts SELECT g, 'P' || g || '@Example.COM' FROM generate_series(1, 60) g;
        """

    static let targets = """
        {"name": "user-comments", "category": "Content data", "table": "comments", "match": {"user_id": "id"}, "action": "delete"},
        {"name": "newsletter", "category": "Marketing", "table": "short_contacts", "match": {"email": "email"}, "action": "delete"},
        {"name": "call-log", "category": "Support", "table": "phone_log", "match": {"phone": "phone"}, "action": "delete"},
        {"name": "crm-contacts", "category": "Marketing", "table": "ci_contacts", "match": {"email": "email"}, "action": "delete"},
        {"name": "user-account", "category": "Account and profile data", "table": "users", "match": {"id": "id"}, "action": "pseudonymise",
         "pseudonymise": {"columns": {"email": "hmac", "name": "null", "phone": "redact"}, "marker": "pseudonymised_at"}}
        """

    /// The policy: subjects named by id, e-mail or phone; `rules` as given.
    static func policy(name: String = "right", rules: String = "", targets: String = targets, deadline: String = "1 month",
                       timeZone: String = "UTC", identifiers: String = #"["email", "phone"]"#, key: String = "id") -> String {
        """
        {"policy": "\(name)", "timeZone": "\(timeZone)", \(rules.isEmpty ? "" : "\"rules\": [\(rules)],")
         "subjects": {"table": "users", "key": "\(key)", "identifiers": \(identifiers), "deadline": "\(deadline)",
                      "targets": [\(targets)]}}
        """
    }

    /// A rule that hashes the e-mail of removed users, sharing the account target's marker.
    static let hashRemovedEmails = """
        {"name": "removed-emails", "table": "users", "due": {"after": "30 days", "from": "removed_at"}, "action": "pseudonymise",
         "pseudonymise": {"columns": {"email": "hmac"}, "marker": "pseudonymised_at"}}
        """

    /// A rule that deletes removed users: their comments' link is set NULL.
    static let deleteRemovedUsers = """
        {"name": "removed-users", "table": "users", "due": {"after": "30 days", "from": "removed_at"}, "action": "delete"}
        """
}

/// A database with `RightPersonSchema`, its policy, and the pseudonym key (a `SubjectFixture`).
struct RightPersonFixture {
    let subjects: SubjectFixture
    var engine: EngineFixture { subjects.engine }
    var policy: String { subjects.policy }
    var keyFile: String { subjects.keyFile }
    var keyHex: String { subjects.keyHex }

    static func make(_ label: String, extraSQL: String = "", policy: String = RightPersonSchema.policy()) throws -> RightPersonFixture {
        RightPersonFixture(subjects: try SubjectFixture.make(label, schemaSQL: RightPersonSchema.sql, extraSQL: extraSQL, policy: policy))
    }

    var database: TestDatabase { engine.database }

    func retention(_ arguments: [String]) throws -> CommandResult { try engine.retention(arguments) }

    /// `request add`; returns the id it printed (and the whole result).
    @discardableResult
    func add(_ subject: String, _ extra: [String] = [], policy: String? = nil) throws -> (id: String, result: CommandResult) {
        let result = try retention(["request", "add", "--policy", policy ?? self.policy, "--subject", subject] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        return (result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), result)
    }

    func run(_ extra: [String] = [], policy: String? = nil) throws -> CommandResult {
        try retention(["run", "--policy", policy ?? self.policy, "--pseudonym-key-file", keyFile] + extra)
    }

    /// `extract` as parsed JSON: target name to its rows.
    func extract(_ subject: String) throws -> [String: [[String: Any]]] {
        let result = try retention(["extract", "--policy", policy, "--subject", subject])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        let targets = object["targets"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: targets.map { ($0["name"] as? String ?? "", $0["rows"] as? [[String: Any]] ?? []) })
    }

    /// The latest report's targets of request `id`, by name, and its status.
    func reported(_ id: String) throws -> (status: String?, targets: [String: [String: Any]]) {
        let requests = try engine.latestReport()["requests"] as? [[String: Any]] ?? []
        guard let entry = requests.first(where: { $0.int("id") == Int64(id) }) else { return (nil, [:]) }
        let targets = (entry["targets"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", $0) }
        return (entry["status"] as? String, Dictionary(targets) { first, _ in first })
    }

    func status(_ id: String) throws -> String {
        try database.connect().execute("SELECT status FROM retention.erasure_requests WHERE request_id = $1::bigint", [id]).requiredScalar()
    }

    func drop() { engine.drop() }
}
