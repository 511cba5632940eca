/// Writes a `JSONValue` as text: pretty-printed with two-space indentation, keys in order.
public enum JSONWriter {
    public static func write(_ value: JSONValue, pretty: Bool = true) -> String {
        String(decoding: bytes(value, pretty: pretty), as: UTF8.self)
    }

    /// The text as UTF-8 bytes (a run's report is megabytes: built as bytes, not as a string).
    public static func bytes(_ value: JSONValue, pretty: Bool = true) -> [UInt8] {
        var output: [UInt8] = []
        append(value, to: &output, indent: pretty ? 0 : nil)
        if pretty { output.append(newline) }
        return output
    }

    private static let newline = UInt8(ascii: "\n")

    private static func append(_ value: JSONValue, to output: inout [UInt8], indent: Int?) {
        switch value {
        case let .object(members):
            guard !members.isEmpty else { output += "{}".utf8; return }
            output.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                breakLine(&output, indent.map { $0 + 1 })
                appendString(member.key, to: &output)
                output += (indent == nil ? ":" : ": ").utf8
                append(member.value, to: &output, indent: indent.map { $0 + 1 })
            }
            breakLine(&output, indent)
            output.append(UInt8(ascii: "}"))
        case let .array(elements):
            guard !elements.isEmpty else { output += "[]".utf8; return }
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                breakLine(&output, indent.map { $0 + 1 })
                append(element, to: &output, indent: indent.map { $0 + 1 })
            }
            breakLine(&output, indent)
            output.append(UInt8(ascii: "]"))
        case let .string(text): appendString(text, to: &output)
        case let .number(text): output += text.utf8
        case let .bool(flag): output += (flag ? "true" : "false").utf8
        case .null: output += "null".utf8
        }
    }

    private static func breakLine(_ output: inout [UInt8], _ indent: Int?) {
        guard let indent else { return }
        output.append(newline)
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * indent))
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\n`, `\r`, `\t` or `\u00XX`;
    /// everything else (UTF-8 included) as it is.
    private static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output += "\\\"".utf8
            case UInt8(ascii: "\\"): output += "\\\\".utf8
            case UInt8(ascii: "\n"): output += "\\n".utf8
            case UInt8(ascii: "\r"): output += "\\r".utf8
            case UInt8(ascii: "\t"): output += "\\t".utf8
            case ..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output += "\\u00".utf8
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0xf)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
