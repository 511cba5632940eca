import Foundation

/// A quoted SQL identifier, possibly schema-qualified, safe to splice into SQL text.
///
/// Quoting follows PostgreSQL's rule (and `PQescapeIdentifier`'s output): the name is enclosed
/// in double quotes and every double quote inside is doubled. Names are never case-folded.
public struct Identifier: Hashable, Sendable, CustomStringConvertible {
    /// The unquoted parts, such as `["public", "users"]`.
    public let parts: [String]

    public init(_ parts: String...) { self.parts = parts }

    public init(parts: [String]) { self.parts = parts }

    /// Parses `name` or `schema.name`, where either part may itself be double-quoted
    /// (`"My Schema"."Users"`). Returns nil for an empty part, a NUL character or bad quoting.
    public init?(qualified text: String) {
        var parts: [String] = []
        var current = ""
        var index = text.startIndex
        var quotedPart = false
        while index < text.endIndex {
            let character = text[index]
            if character == "\0" { return nil }
            if character == "\"" {
                guard current.isEmpty, !quotedPart else { return nil }
                quotedPart = true
                index = text.index(after: index)
                var closed = false
                while index < text.endIndex {
                    let inner = text[index]
                    if inner == "\"" {
                        let next = text.index(after: index)
                        if next < text.endIndex, text[next] == "\"" {
                            current.append("\"")
                            index = text.index(after: next)
                            continue
                        }
                        index = next
                        closed = true
                        break
                    }
                    if inner == "\0" { return nil }
                    current.append(inner)
                    index = text.index(after: index)
                }
                guard closed, !current.isEmpty else { return nil }
                continue
            }
            if character == "." {
                guard !current.isEmpty else { return nil }
                parts.append(current)
                current = ""
                quotedPart = false
            } else {
                guard !quotedPart else { return nil }
                current.append(character)
            }
            index = text.index(after: index)
        }
        guard !current.isEmpty, parts.count <= 1 else { return nil }
        parts.append(current)
        self.parts = parts
    }

    /// The last part: the object's own name.
    public var name: String { parts[parts.count - 1] }

    /// The schema part, when the identifier is qualified.
    public var schema: String? { parts.count > 1 ? parts[0] : nil }

    /// The SQL text: every part quoted, joined with dots.
    public var sql: String { parts.map(Identifier.quote).joined(separator: ".") }

    /// The name as PostgreSQL's `quote_ident` prints it, so that it is never ambiguous
    /// (`public."a.b"` is not `a.b`): a part that is a plain lower-case name is left bare, any
    /// other is quoted. (Unlike `quote_ident`, reserved words such as `user` are left bare.)
    public var description: String {
        parts.map { Identifier.isPlain($0) ? $0 : Identifier.quote($0) }.joined(separator: ".")
    }

    /// Lower-case ASCII letters, digits, `_` and `$`, not starting with a digit or `$`.
    private static func isPlain(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0 == "$" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }

    /// Quotes one name.
    public static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
