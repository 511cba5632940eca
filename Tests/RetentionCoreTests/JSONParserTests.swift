import RetentionCore
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    @Test("objects keep their key order and values their type")
    func parsesDocument() throws {
        let value = try JSONParser.parse(#"{"b": 1, "a": [true, null, "x\u00e9\n"], "c": -2.5e3}"#)
        guard case let .object(members) = value else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["b", "a", "c"])
        #expect(value["a"] == .array([.bool(true), .null, .string("xé\n")]))
        #expect(value["c"] == .number("-2.5e3"))
    }

    @Test("a duplicate key is an error naming the key and its line")
    func duplicateKey() {
        #expect { try JSONParser.parse("{\n \"after\": \"1 day\",\n \"after\": \"9 years\"}") } throws: { error in
            let syntax = error as? JSONParser.SyntaxError
            return syntax?.line == 3 && syntax?.reason == "duplicate key \"after\""
        }
    }

    @Test("an object of 200,000 keys parses in linear time; a duplicate among them is still named with its line")
    func largeObject() throws {
        let count = 200_000
        let members = (0..<count).map { "\"key\($0)\": \($0)" }
        let started = ContinuousClock.now
        let value = try JSONParser.parse("{" + members.joined(separator: ",\n") + "}")
        #expect(ContinuousClock.now - started < .seconds(5))
        guard case let .object(parsed) = value else { Issue.record("not an object"); return }
        #expect(parsed.count == count)
        #expect(parsed.last?.key == "key\(count - 1)")
        #expect { try JSONParser.parse("{" + (members + ["\"key123456\": 0"]).joined(separator: ",\n") + "}") } throws: { error in
            let syntax = error as? JSONParser.SyntaxError
            return syntax?.line == count + 1 && syntax?.reason == "duplicate key \"key123456\""
        }
    }

    @Test("malformed documents are rejected", arguments: ["", "{", "{\"a\" 1}", "[1,]", "{\"a\":1,}", "01", "\"\\x\"", "tru", "{} {}", "\"a\u{01}\""])
    func malformed(_ text: String) {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test("the writer's output parses back to the same value")
    func roundTrip() throws {
        let value = JSONValue.members([("name", .string("a \"q\" \\ \n \u{07}")), ("n", .int(42)), ("list", .array([.bool(false), .null])), ("empty", .members([]))])
        #expect(try JSONParser.parse(JSONWriter.write(value)) == value)
        #expect(try JSONParser.parse(JSONWriter.write(value, pretty: false)) == value)
    }
}

@Suite("JSON writer")
struct JSONWriterTests {
    @Test("every string, escaped or plain, reads back as written")
    func stringsRoundTrip() throws {
        let texts = ["plain", "", "a\"b", "back\\slash", "line\nbreak\r\ttab", "\u{01}\u{1f}", "é ö 中 🙂", "mixed \"é\"\n\u{07}"]
        let written = JSONWriter.write(.array(texts.map(JSONValue.string)), pretty: false)
        #expect(try JSONParser.parse(written) == .array(texts.map(JSONValue.string)))
        #expect(written.contains("\"plain\"") && written.contains("\\u0001") && written.contains("\\u001f"))
    }
}
