/// Text from outside the engine (file names, server and catalog names) printed on one line:
/// control characters are escaped as in JSON (`\n`, `\t`, `\u001b`), so a name can neither
/// break a line nor move the cursor, nor fake a line of the engine's own.
extension String {
    var escapingControlCharacters: String {
        var text = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}":
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text
    }
}
