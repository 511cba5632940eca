/// Array literals passed to the server as one text parameter (`$1::text[]`, `$1::bigint[]`), so
/// that a list of any length is one bind value.

/// A PostgreSQL array literal of text values: `{"a","b\"c",NULL}`.
func textArrayLiteral(_ values: [String?]) -> String {
    "{" + values.map { value in
        guard let value else { return "NULL" }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }.joined(separator: ",") + "}"
}

/// `{1,2,3}`: a bigint[] literal.
func bigintArrayLiteral(_ values: [Int64]) -> String {
    "{" + values.map(String.init).joined(separator: ",") + "}"
}
