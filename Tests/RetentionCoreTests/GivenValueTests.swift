import Postgres
@testable import RetentionCore
import Testing
import TestSupport

/// The value a person is named by: refused when it can name nobody, and shipped to the server
/// by COPY unchanged, whatever it holds.
@Suite("The given value")
struct GivenValueTests {
    @Test("empty, whitespace-only, NUL-holding and nameless values are refused before anything is sent",
          arguments: ["email=", "email=   ", "email=\t\n", "=anna@example.com", "email", "email=an\u{0}na"])
    func refused(_ text: String) {
        #expect(throws: RequestBook.RequestError.self) { try GivenValue(parsing: text) }
    }

    @Test("the first = splits; the value keeps its own = and spaces")
    func splits() throws {
        let given = try GivenValue(parsing: "email= a=b ")
        #expect(given.column == "email" && given.value == " a=b ")
    }

    @Test("a value with backslashes, tabs, newlines, quotes and 1 MB of text arrives unchanged", arguments: [
        "anna\\example\tcom\nline two\r\"quoted\" 'single' ,comma",
        String(repeating: "x\\y\t", count: 262_144),
    ])
    func roundTrip(_ value: String) throws {
        let database = try TestDatabase.create("given")
        defer { database.drop() }
        let connection = try database.connect()
        try GivenValue(parsing: "email=" + value).load(into: connection)
        let digest = try connection.execute("SELECT encode(sha256(convert_to(value, 'UTF8')), 'hex') FROM \(GivenValue.table)").requiredScalar()
        #expect(digest == SHA256.hexDigest(value))
    }

    @Test("the key's fingerprint is the HMAC of a fixed text (RFC 4231 case 2 checks the HMAC itself)")
    func fingerprint() {
        let mac = HMACPads.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(mac.hexString == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let key = PseudonymKey(bytes: Array(repeating: 7, count: 32))
        #expect(key.fingerprint.count == 16 && key.fingerprint != PseudonymKey(bytes: Array(repeating: 8, count: 32)).fingerprint)
    }
}
