import TestSupport

/// The events table the fleet and monitoring tests share, and a policy that deletes each event
/// once it is past (`0 days` after `created_at`).
enum EventsTable {
    /// `rows` events, event g created `g` units (`minute`, `hour`) after 2024-01-01.
    static func schema(rows: Int, unit: String) -> String {
        """
        CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);
        INSERT INTO events SELECT g, timestamptz '2024-01-01' + g * interval '1 \(unit)' FROM generate_series(1, \(rows)) g;
        """
    }

    static func policy(_ name: String) -> String {
        #"{"policy": "\#(name)", "rules": [{"name": "events", "table": "events", "due": {"after": "0 days", "from": "created_at"}, "action": "delete"}]}"#
    }

    /// A database with the events and the policy named `policy` as the fixture's policy file.
    static func fixture(_ label: String, policy: String, rows: Int, unit: String) throws -> EngineFixture {
        let fixture = try EngineFixture.make(label, schemaSQL: schema(rows: rows, unit: unit))
        do {
            try fixture.writePolicy(EventsTable.policy(policy))
            return fixture
        } catch {
            fixture.drop()
            throw error
        }
    }
}
