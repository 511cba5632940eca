/// The CSS that the pages a person reads share (the erasure receipt, the register extract):
/// readable type, a measure, headings, muted notes, and what print leaves out.
enum DocumentStyle {
    /// The page, `width` wide at most.
    static func page(width: String) -> String {
        """
        body { font: 11pt/1.45 system-ui, sans-serif; color: #1d232a; max-width: \(width); margin: 2em auto; padding: 0 1em; }
        h1 { font-size: 1.5em; margin-bottom: 0.3em; } h2 { font-size: 1.15em; border-bottom: 1px solid #ccd; margin-top: 1.4em; }
        .meta { color: #556; } section { break-inside: avoid; }
        @media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } }
        """
    }

    /// Tables of records: ruled cells, long values wrapped.
    static let tables = """
        table { border-collapse: collapse; font-size: 0.92em; } th, td { border: 1px solid #dde; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
        th { background: #f3f4f7; } td { overflow-wrap: anywhere; }
        """
}
