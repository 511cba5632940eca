/// A document a person reads (the compliance report, the erasure receipt), in each of its
/// formats, and the format a command writes it in.
public protocol Document {
    var json: JSONValue { get }
    func markdown() -> String
    /// A self-contained, print-friendly HTML page.
    func html() -> String
}

public enum DocumentFormat: String, CaseIterable, Sendable {
    case json, md, html

    public func render(_ document: some Document) -> String {
        switch self {
        case .json: return JSONWriter.write(document.json)
        case .md: return document.markdown()
        case .html: return document.html()
        }
    }
}
