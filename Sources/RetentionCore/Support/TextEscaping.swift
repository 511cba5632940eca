/// Text from the policy, the database or a person as HTML or Markdown that can only be read
/// as text, for the compliance report and the erasure receipt.
enum TextEscaping {
    /// `&`, `<`, `>` and `"` as entities.
    static func html(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// No HTML, no line breaks, no emphasis, no tables or links.
    static func markdown(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\n", "\r", "\t": escaped.append(" ")
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "&": escaped += "&amp;"
            case "\\", "`", "*", "_", "[", "]", "|", "#": escaped += "\\" + String(character)
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A self-contained, print-friendly HTML page: `body` (already HTML) under `title`, with
    /// the page's own `style` sheet; no script, nothing from the network.
    static func htmlPage(title: String, style: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>\(html(title))</title>
        <style>
        \(style)
        </style></head><body>
        \(body)</body></html>

        """
    }
}
