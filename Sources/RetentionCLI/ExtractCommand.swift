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
            its category and basis, as JSON. It holds personal data: with --out the file is mode 0600.
            """,
        usage: ["retention extract --policy=FILE --subject=NAME=VALUE [--out=FILE]"],
        options: [
            CommonOptions.policy,
            .value("subject", "NAME=VALUE", "the person: the subjects' key or an identifier, and its value"),
            .value("out", "FILE", "write to FILE (mode 0600) instead of stdout"),
            CommonOptions.databaseURL,
        ],
        page: .subjects)

    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(spec, raw)
        let out = try arguments.outputFile("out")
        let subject = try arguments.required("subject")
        let policy = try PolicyParser.load(path: try arguments.required("policy"))
        let connection = try Commands.connect(arguments)
        let extract = try RegisterExtract.make(policy: policy, subject: subject, connection: connection)
        let text = JSONWriter.write(extract.json)
        if let path = out {
            try ReportStore.atomicWrite(Array(text.utf8), to: path, mode: 0o600)
        } else {
            Output.out(text, terminator: "")
        }
        return .success
    }
}
