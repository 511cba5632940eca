import Postgres
import RetentionCore
import Testing
import TestSupport

/// RFC 4231 test vectors, computed through the engine's SQL path (built-in `sha256()`).
@Suite("HMAC-SHA256 in SQL")
struct HMACTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    @Test("RFC 4231 test cases 1-4, 6 and 7", arguments: [
        (String(repeating: "0b", count: 20), Array("Hi There".utf8).hexString,
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (Array("Jefe".utf8).hexString, Array("what do ya want for nothing?".utf8).hexString,
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (String(repeating: "aa", count: 20), String(repeating: "dd", count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ("0102030405060708090a0b0c0d0e0f10111213141516171819", String(repeating: "cd", count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (String(repeating: "aa", count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8).hexString,
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (String(repeating: "aa", count: 131),
         Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8).hexString,
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ])
    func rfc4231(_ key: String, _ message: String, _ expected: String) throws {
        let database = try TestDatabase.create("hmac")
        defer { database.drop() }
        let connection = try database.connect()
        try HMACPads(key: HMACTests.bytes(key)).load(into: connection)
        #expect(try connection.execute("SELECT \(HMACPads.sql(message: "$1::bytea"))", ["\\x" + message]).scalar() == expected)
    }
}
