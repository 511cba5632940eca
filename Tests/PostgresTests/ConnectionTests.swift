import Postgres
import Testing
import TestSupport

@Suite("Connection against a real PostgreSQL")
struct ConnectionTests {
    @Test("a unique violation carries SQLSTATE 23505 with the server's detail")
    func uniqueViolation() throws {
        let database = try TestDatabase.create("conn", sql: "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1);")
        defer { database.drop() }
        let connection = try database.connect()
        do {
            try connection.execute("INSERT INTO t VALUES ($1)", ["1"])
            Issue.record("the duplicate insert succeeded")
        } catch let error as PostgresError {
            #expect(error.sqlState == .uniqueViolation)
            #expect(error.kind == .server)
            #expect(error.detail?.contains("(id)=(1)") == true)
            #expect(!error.isTransient)
        }
    }

    @Test("a server error's description keeps the SQLSTATE and the object names, never a value the message or detail quotes")
    func safeDescriptions() throws {
        let database = try TestDatabase.create("conn", sql: """
            CREATE TABLE people (id int PRIMARY KEY, email text CONSTRAINT email_has_at CHECK (email LIKE '%@%'));
            CREATE FUNCTION shout(text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no %', $1; END $$;
            """)
        defer { database.drop() }
        let connection = try database.connect()
        func failure(_ sql: String, _ parameters: [String?]) -> PostgresError? {
            do { try connection.execute(sql, parameters); return nil } catch { return error as? PostgresError }
        }
        let check = try #require(failure("INSERT INTO people VALUES (1, $1)", ["anna-at-example.se"]))
        #expect(check.sqlState == SQLState(rawValue: "23514"))
        #expect(check.detail?.contains("anna-at-example.se") == true)
        #expect(check.description == "new row for relation \"people\" violates check constraint \"email_has_at\" (SQLSTATE 23514) on table \"public.people\", constraint \"email_has_at\"")
        for (sql, value, state) in [("SELECT $1::int", "anna@example.se", "22P02"), ("SELECT shout($1)", "anna@example.se", "P0001")] {
            let error = try #require(failure(sql, [value]))
            #expect(error.sqlState == SQLState(rawValue: state))
            #expect(error.message.contains(value))
            #expect(!error.description.contains(value), "\(error.description)")
            #expect(error.description.contains("(SQLSTATE \(state))"), "\(error.description)")
        }
    }

    @Test("a failed connection names the database, host and port, and invents no SQLSTATE")
    func connectionFailureNamesTarget() {
        do {
            _ = try Connection(conninfo: "postgresql://postgres@127.0.0.1:\(TestDatabase.port)/nosuchdb_conn")
            Issue.record("connected to a database that does not exist")
        } catch let error as PostgresError {
            #expect(error.kind == .connection)
            #expect(error.sqlState == nil)
            #expect(error.isTransient && error.isConnectionLost)
            #expect(error.description.hasPrefix("could not connect to database \"nosuchdb_conn\" on host \"127.0.0.1\" port \(TestDatabase.port): "), "\(error.description)")
            #expect(!error.description.contains("SQLSTATE"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("odd text round-trips through parameters unchanged")
    func parameterRoundTrip() throws {
        let database = try TestDatabase.create("conn")
        defer { database.drop() }
        let connection = try database.connect()
        let values = ["it's", "\"quoted\"", "back\\slash", "'; DROP TABLE x; --", "emoji 🎉 åäö", "", "$1", "line\nbreak\ttab"]
        for value in values {
            #expect(try connection.execute("SELECT $1::text", [value]).scalar() == value)
        }
        #expect(try connection.execute("SELECT $1::text IS NULL", [nil]).scalar() == "t")
    }

    @Test("a parameter with a NUL character is refused before it is sent")
    func nulRefused() throws {
        let database = try TestDatabase.create("conn")
        defer { database.drop() }
        #expect(throws: PostgresError.self) { try database.connect().execute("SELECT $1::text", ["a\0b"]) }
    }

    @Test("identifiers with quotes, upper case and spaces work, and match PQescapeIdentifier")
    func identifiers() throws {
        let database = try TestDatabase.create("conn")
        defer { database.drop() }
        let connection = try database.connect()
        for name in ["Users", "my table", "we\"ird", "ünïcode", "a.b"] {
            #expect(try connection.escapeIdentifier(name) == Identifier.quote(name))
            let table = Identifier("public", name)
            try connection.execute("CREATE TABLE \(table.sql) (\(Identifier.quote("Col \"x\"")) int)")
            try connection.execute("INSERT INTO \(table.sql) VALUES (7)")
            #expect(try connection.execute("SELECT \(Identifier.quote("Col \"x\"")) FROM \(table.sql)").scalar() == "7")
        }
    }

    @Test("qualified names parse with and without quotes")
    func qualifiedNames() {
        #expect(Identifier(qualified: "users")?.parts == ["users"])
        #expect(Identifier(qualified: "public.users")?.parts == ["public", "users"])
        #expect(Identifier(qualified: "\"My Schema\".\"Us\"\"ers\"")?.parts == ["My Schema", "Us\"ers"])
        #expect(Identifier(qualified: "a.b.c") == nil)
        #expect(Identifier(qualified: "") == nil)
        #expect(Identifier(qualified: "a.") == nil)
        #expect(Identifier(qualified: "\"open") == nil)
    }

    @Test("a failed connection names no password")
    func noPasswordInErrors() {
        do {
            _ = try Connection(conninfo: "postgresql://someone:s3cretpw@127.0.0.1:\(TestDatabase.port)/nosuchdb")
            Issue.record("connected to a database that does not exist")
        } catch let error as PostgresError {
            #expect(error.kind == .connection)
            #expect(!error.description.contains("s3cretpw"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("a READ ONLY transaction refuses writes with 25006 and rolls back")
    func readOnlyTransaction() throws {
        let database = try TestDatabase.create("conn", sql: "CREATE TABLE t (id int);")
        defer { database.drop() }
        let connection = try database.connect()
        do {
            try connection.transaction(readOnly: true) { try connection.execute("INSERT INTO t VALUES (1)") }
            Issue.record("a write succeeded in a READ ONLY transaction")
        } catch let error as PostgresError {
            #expect(error.sqlState == .readOnlySQLTransaction)
        }
        #expect(try connection.execute("SELECT count(*) FROM t").int64() == 0)
    }

    @Test("a terminated backend is reported as a lost connection, which is transient")
    func terminatedBackend() throws {
        let database = try TestDatabase.create("conn")
        defer { database.drop() }
        let victim = try database.connect()
        let killer = try database.connect()
        try killer.execute("SELECT pg_terminate_backend($1)", [String(victim.backendPID)])
        do {
            try victim.execute("SELECT 1")
            Issue.record("a terminated connection still answered")
        } catch let error as PostgresError {
            #expect(error.isConnectionLost)
            #expect(error.isTransient)
        }
    }
}

@Suite("Connection errors never show a password")
struct ConnectionRedactionTests {
    @Test("a malformed URL is not quoted; a rejected password is replaced", arguments: [
        "postgresql://someone:pa%zzword@127.0.0.1:1/x", "postgresql://someone:s3cr%20et@127.0.0.1:1/x", "host=127.0.0.1 port=1 password=s3cret user=a",
    ])
    func redacted(_ conninfo: String) {
        do {
            _ = try Connection(conninfo: conninfo)
            Issue.record("connected")
        } catch let error as PostgresError {
            for secret in ["pa%zzword", "zzword", "s3cr%20et", "s3cr et", "s3cret"] {
                #expect(!error.description.contains(secret), "\(error.description)")
            }
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
