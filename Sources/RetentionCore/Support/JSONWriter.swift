/// Writes a `JSONValue` as text: pretty-printed with two-space indentation, keys in order.
public enum JSONWriter {
    public static func write(_ value: JSONValue, pretty: Bool = true) -> String {
        var output = ""
        append(value, to: &output, indent: pretty ? 0 : nil)
        if pretty { output.append("\n") }
        return output
    }

    private static func append(_ value: JSONValue, to output: inout String, indent: Int?) {
        switch value {
        case let .object(members):
            guard !members.isEmpty else { output.append("{}"); return }
            output.append("{")
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(",") }
                newline(&output, indent.map { $0 + 1 })
                appendString(member.key, to: &output)
                output.append(indent == nil ? ":" : ": ")
                append(member.value, to: &output, indent: indent.map { $0 + 1 })
            }
            newline(&output, indent)
            output.append("}")
        case let .array(elements):
            guard !elements.isEmpty else { output.append("[]"); return }
            output.append("[")
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(",") }
                newline(&output, indent.map { $0 + 1 })
                append(element, to: &output, indent: indent.map { $0 + 1 })
            }
            newline(&output, indent)
            output.append("]")
        case let .string(text): appendString(text, to: &output)
        case let .number(text): output.append(text)
        case let .bool(flag): output.append(flag ? "true" : "false")
        case .null: output.append("null")
        }
    }

    private static func newline(_ output: inout String, _ indent: Int?) {
        guard let indent else { return }
        output.append("\n")
        output.append(String(repeating: "  ", count: indent))
    }

    private static func appendString(_ text: String, to output: inout String) {
        output.append("\"")
        defer { output.append("\"") }
        // Most texts (names, hashes, times) need no escape: appended whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            output.append(text)
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output.append("\\\"")
            case "\\": output.append("\\\\")
            case "\n": output.append("\\n")
            case "\r": output.append("\\r")
            case "\t": output.append("\\t")
            case let control where control.value < 0x20:
                output.append("\\u" + String(repeating: "0", count: 4 - String(control.value, radix: 16).count) + String(control.value, radix: 16))
            default: output.unicodeScalars.append(scalar)
            }
        }
    }
}
