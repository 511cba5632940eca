import Foundation
import Postgres
import RetentionCore

/// `retention extract`: a person's register extract (GDPR Art. 15 and 20).
enum ExtractCommand {
    static let spec = CommandSpec(
        name: "extract",
        summary: """
            retention extract writes a register extract: every row of every subjects target that
            matches the person, all columns, read as one consistent snapshot, grouped by target with
            its category and basis, as JSON or as a page the person reads (HTML). It holds personal
            data: with --out the file is mode 0600.
            """,
        usage: ["retention extract --policy=FILE --subject=NAME=VALUE [--format=json|html] [--out=FILE]"],
        options: [
            CommonOptions.policy,
            .value("subject", "NAME=VALUE", "the person: the subjects' key or an identifier, and its value"),
            .value("format", "FORMAT", "json, or html for the person to read (default: json)"),
            .value("out", "FILE", "write to FILE (mode 0600) instead of stdout"),
            CommonOptions.databaseURL,
        ],
        page: .subjects)

    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(spec, raw)
        let out = try arguments.outputFile("out")
        let subject = try arguments.required("subject")
        let format = DocumentFormat(rawValue: try arguments.choice("format", ["json", "html"], default: "json"))!
        let policy = try PolicyParser.load(path: try arguments.required("policy"))
        let connection = try Commands.connect(arguments)
        let extract = try RegisterExtract.make(policy: policy, subject: subject, connection: connection)
        if !extract.findsSomebody {
            Output.warning("the value finds nobody: no subject row and no target row holds it; check it for a typo or a stray space")
        } else if extract.subjectRows > 1 {
            Output.warning("the value names \(extract.subjectRows) subject rows, and the extract holds the rows of all of them as one person's")
        }
        let withheld = extract.sections.reduce(0) { $0 + $1.withheld }
        if withheld > 0 {
            Output.warning("\(withheld) rows found only through a value another person also holds are withheld (\"withheld\" per target)")
        }
        let text = format.render(extract)
        if let path = out {
            try ReportStore.atomicWrite(Array(text.utf8), to: path, mode: 0o600)
        } else {
            Output.out(text, terminator: "")
        }
        return .success
    }
}
