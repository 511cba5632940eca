import Foundation
import Postgres
import RetentionCore

/// `retention request add|list|plan|extend|cancel`: data subjects' erasure requests.
enum RequestCommand {
    static let addSpec = CommandSpec(
        name: "request add", summary: "retention request add files an erasure request.",
        usage: ["retention request add --policy=FILE --subject=NAME=VALUE [--reference=TEXT] [--received-at=TIME] [--category=NAME]... [--verified-by=METHOD] [--evidence=REF] [--by=NAME]"],
        options: [
            .value("subject", "NAME=VALUE", "the person: the subjects' key or an identifier, and its value"),
            .value("reference", "TEXT", "your reference for the request (a ticket number); filed once in the database"),
            .value("received-at", "TIME", "when the request was received (ISO 8601; default: now)"),
            .value("category", "NAME", "erase only the targets of this category (repeatable)", repeatable: true),
            verifiedBy, evidence,
            by, .value("policy", "FILE", "the policy whose subjects map the request is checked against"),
            CommonOptions.migrationsDir, CommonOptions.databaseURL,
        ],
        page: .subjects)
    static let listSpec = CommandSpec(
        name: "request list", summary: "retention request list lists erasure requests.",
        usage: ["retention request list [--all] [--overdue] [--format=text|json]"],
        options: [.flag("all", "list done and cancelled requests too"), .flag("overdue", "only open requests past their deadline"),
                  .value("format", "FORMAT", "text or json (default: text)"), CommonOptions.migrationsDir, CommonOptions.databaseURL],
        page: .subjects)
    static let planSpec = CommandSpec(
        name: "request plan", summary: "retention request plan shows what a run will do for one request; it changes nothing.",
        usage: ["retention request plan ID --policy=FILE [--format=text|json]"],
        options: [CommonOptions.policy, .value("format", "FORMAT", "text or json (default: text)"), CommonOptions.pseudonymKeyFile,
                  CommonOptions.migrationsDir, CommonOptions.databaseURL],
        page: .subjects, positionals: 1)
    static let extendSpec = CommandSpec(
        name: "request extend", summary: "retention request extend extends a request's deadline by two months, once.",
        usage: ["retention request extend ID --reason=TEXT [--by=NAME]"],
        options: [reason, by, CommonOptions.migrationsDir, CommonOptions.databaseURL], page: .subjects, positionals: 1)
    static let cancelSpec = CommandSpec(
        name: "request cancel", summary: "retention request cancel withdraws a request; its identifier is replaced by its HMAC.",
        usage: ["retention request cancel ID --reason=TEXT --pseudonym-key-file=FILE [--by=NAME]"],
        options: [reason, by, CommonOptions.pseudonymKeyFile, CommonOptions.stateDir, CommonOptions.migrationsDir, CommonOptions.databaseURL],
        page: .subjects, positionals: 1)
    static let receiptSpec = CommandSpec(
        name: "request receipt", summary: "retention request receipt writes the answer for the person: what was erased, pseudonymised and kept.",
        usage: ["retention request receipt ID [--policy=FILE] [--format=json|md|html] [--out=FILE]"],
        options: [.value("format", "FORMAT", "json, md or html (default: json)"), CommonOptions.out,
                  .value("policy", "FILE", "name the recipients told of the erasure (the policy's processors)"),
                  CommonOptions.migrationsDir, CommonOptions.databaseURL],
        page: .subjects, positionals: 1)
    static let noticesSpec = CommandSpec(
        name: "request notices", summary: "retention request notices lists the recipients to tell of a done request's erasure (Art. 19).",
        usage: ["retention request notices ID --policy=FILE [--format=text|json]"],
        options: [CommonOptions.policy, .value("format", "FORMAT", "text or json (default: text)"), CommonOptions.migrationsDir, CommonOptions.databaseURL],
        page: .subjects, positionals: 1)
    static let importSpec = CommandSpec(
        name: "request import", summary: "retention request import files many erasure requests at once, all or none.",
        usage: ["retention request import --policy=FILE [--format=jsonl|csv] [--by=NAME] FILE|-"],
        options: [CommonOptions.policy, .value("format", "FORMAT", "jsonl or csv (default: jsonl)"), by, CommonOptions.migrationsDir, CommonOptions.databaseURL],
        page: .subjects, positionals: 1)
    static let exportSpec = CommandSpec(
        name: "request export", summary: "retention request export writes the register of erasure requests, without any identifier.",
        usage: ["retention request export [--since=TIME] [--format=csv|jsonl] [--out=FILE]"],
        options: [.value("since", "TIME", "only requests received or completed at or after TIME (ISO 8601)"),
                  .value("format", "FORMAT", "csv or jsonl (default: csv)"), CommonOptions.out, CommonOptions.migrationsDir, CommonOptions.databaseURL],
        page: .subjects)
    static let verbs = [addSpec, importSpec, listSpec, planSpec, extendSpec, cancelSpec, receiptSpec, noticesSpec, exportSpec]
    static let spec = CommandSpec.merged(
        name: "request",
        summary: """
            retention request files (one at a time or imported), lists, plans, extends and cancels
            data subjects' erasure requests, and writes their receipts and the register. \"retention run\" processes the open ones before its rules.
            """,
        page: .subjects,
        notes: "`request add` prints the new request's id alone on stdout. Requests never show the person's value.",
        verbs)
    private static let by = OptionSpec.value("by", "NAME", "who acts (default: the login name)")
    private static let verifiedBy = OptionSpec.value("verified-by", "METHOD", "how the person's identity was verified (shown on the receipt)")
    private static let evidence = OptionSpec.value("evidence", "REF", "where the evidence of the verification is kept (a reference, not the evidence)")
    private static let reason = OptionSpec.value("reason", "TEXT", "why: recorded with who and when")

    static func run(_ raw: [String]) throws -> ExitCode {
        guard let verb = raw.first else {
            throw UsageError(message: "request needs a verb: add, import, list, plan, extend, cancel, receipt or export", command: "request")
        }
        let rest = Array(raw.dropFirst())
        switch verb {
        case "add": return try add(rest)
        case "import": return try importFile(rest)
        case "export": return try export(rest)
        case "notices": return try notices(rest)
        case "list": return try list(rest)
        case "plan": return try plan(rest)
        case "extend": return try extend(rest)
        case "cancel": return try cancel(rest)
        case "receipt": return try receipt(rest)
        default: throw UsageError(message: "unknown request verb \"\(verb)\"; use add, import, list, plan, extend, cancel, receipt, notices or export", command: "request")
        }
    }

    private static func id(_ arguments: Arguments) throws -> Int64 {
        guard let text = arguments.positionals.first else { throw UsageError(message: "\(arguments.command) needs the request's id", command: arguments.command) }
        guard let id = Int64(text), id > 0 else { throw UsageError(message: "invalid request id \"\(text)\"", command: arguments.command) }
        return id
    }

    private static func add(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(addSpec, raw)
        let subject = try arguments.required("subject")
        let receivedAt = try arguments.instant("received-at")
        let policy = try PolicyParser.load(path: try arguments.required("policy"))
        let connection = try Commands.connectMigrated(arguments)
        let filed = try RequestBook(connection: connection).add(subject: subject, reference: arguments.value("reference"), receivedAt: receivedAt,
                                                                categories: arguments.values("category"),
                                                                verification: Verification(method: arguments.value("verified-by"), evidence: arguments.value("evidence")),
                                                                by: ActingPerson.name(arguments), policy: policy)
        if filed.subjectRows > 1 {
            Output.warning("erasure request \(filed.id): the value names \(filed.subjectRows) subject rows, and all of them are erased as one person's; if they are different people (a shared phone or mailbox), cancel it and name the person by a value only they hold")
        }
        if !filed.findsSomebody {
            Output.warning("erasure request \(filed.id) finds nobody: no subject row and no target row holds that value; check it for a typo or a stray space before the next run answers \"nothing found\"")
        }
        Output.out(String(filed.id))
        return .success
    }

    private static func importFile(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(importSpec, raw)
        let format = ImportFile.Format(rawValue: try arguments.choice("format", ImportFile.Format.allCases.map(\.rawValue), default: "jsonl"))!
        let policy = try PolicyParser.load(path: try arguments.required("policy"))
        guard let subjects = policy.subjects else { throw RequestBook.RequestError.noSubjects(policy: policy.name) }
        guard let path = arguments.positionals.first else { throw UsageError(message: "request import needs the file to read (or - for standard input)", command: "request import") }
        let data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: path)
        guard let data else { throw UsageError(message: "cannot read \"\(path)\"", command: "request import") }
        guard let text = String(data: data, encoding: .utf8) else { throw UsageError(message: "\"\(path)\" is not UTF-8 text", command: "request import") }
        let read = ImportFile.read(text, format: format, subjects: subjects)
        let connection = try Commands.connectMigrated(arguments)
        let outcomes = try RequestImport(book: RequestBook(connection: connection)).file(read.records, refused: read.bad, by: ActingPerson.name(arguments),
                                                                                         policy: policy)
        for outcome in outcomes { Output.out(JSONWriter.write(outcome.json, pretty: false)) }
        return .success
    }

    private static func export(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(exportSpec, raw)
        let out = try arguments.outputFile("out")
        let format = try arguments.choice("format", ["csv", "jsonl"], default: "csv")
        let since = try arguments.instant("since")
        let connection = try Commands.connectMigrated(arguments)
        let register = try RequestRegister.read(since: since, connection)
        try Output.write(format == "csv" ? register.csv : register.jsonLines, to: out)
        return .success
    }

    private static func list(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(listSpec, raw)
        let format = try arguments.choice("format", ["text", "json"], default: "text")
        let connection = try Commands.connectMigrated(arguments)
        let requests = try ErasureRequest.list(all: arguments.flag("all"), overdue: arguments.flag("overdue"), connection)
        if format == "json" {
            Output.out(JSONWriter.write(.array(requests.map(\.json))), terminator: "")
            return .success
        }
        if requests.isEmpty { Output.out(arguments.flag("overdue") ? "no overdue erasure requests" : "no open erasure requests") }
        for request in requests {
            // Each field is escaped on its own: the tabs between them are the command's own.
            var fields = [String(request.id), request.status.rawValue, request.reference ?? "-", "by \(request.subjectColumn)",
                          "received \(request.receivedAt)", "deadline \(request.deadline)"]
            if request.status == .open { fields.append(request.overdue ? "OVERDUE by \(-request.daysLeft) days" : "\(request.daysLeft) days left") }
            if request.extended { fields.append("extended") }
            if !request.categories.isEmpty { fields.append("categories \(request.categories.joined(separator: ", "))") }
            if let completedAt = request.completedAt { fields.append("completed \(completedAt)") }
            if let reason = request.openReason { fields.append("open: \(reason)") }
            Output.out(fields.map(\.escapingControlCharacters).joined(separator: "\t"))
        }
        return .success
    }

    private static func plan(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(planSpec, raw)
        let id = try id(arguments)
        let format = try arguments.choice("format", ["text", "json"], default: "text")
        let policy = try PolicyParser.load(path: try arguments.required("policy"))
        let key = try Commands.pseudonymKey(arguments)
        let connection = try Commands.connectMigrated(arguments)
        let plan = try RequestPlan.make(requestID: id, policy: policy, pseudonymKey: key, connection: connection)
        printAs(format, json: plan.json, lines: plan.lines)
        if let problem = plan.problem {
            Output.warning("erasure request \(id) cannot be answered by this policy: \(problem); a run keeps it open and fails")
        } else if plan.findsNobody {
            Output.warning("erasure request \(id) finds nobody: no target row holds the person's values; check the value for a typo or a stray space")
        }
        return .success
    }

    private static func extend(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(extendSpec, raw)
        let id = try id(arguments)
        let reason = try arguments.required("reason")
        let connection = try Commands.connectMigrated(arguments)
        let deadline = try RequestBook(connection: connection).extend(id: id, reason: reason, by: ActingPerson.name(arguments))
        Output.out("extended erasure request \(id): deadline \(deadline)")
        return .success
    }

    private static func receipt(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(receiptSpec, raw)
        let out = try arguments.outputFile("out")
        let id = try id(arguments)
        let format = try arguments.documentFormat()
        let policy = try arguments.value("policy").map(PolicyParser.load(path:))
        let connection = try Commands.connectMigrated(arguments)
        var receipt = try Receipt.build(requestID: id, connection: connection)
        if let policy, receipt.status == .done {
            receipt.recipientsTold = try RequestNotices.build(requestID: id, policy: policy, connection: connection).notices.map(\.processor)
        }
        try Output.write(format.render(receipt), to: out)
        return .success
    }

    private static func notices(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(noticesSpec, raw)
        let id = try id(arguments)
        let format = try arguments.choice("format", ["text", "json"], default: "text")
        let policy = try PolicyParser.load(path: try arguments.required("policy"))
        let connection = try Commands.connectMigrated(arguments)
        let notices = try RequestNotices.build(requestID: id, policy: policy, connection: connection)
        printAs(format, json: notices.json, lines: notices.lines)
        return .success
    }

    /// Prints `json` for `--format json`, else `lines`, each with its control characters escaped.
    private static func printAs(_ format: String, json: JSONValue, lines: [String]) {
        if format == "json" {
            Output.out(JSONWriter.write(json), terminator: "")
        } else {
            for line in lines { Output.out(line.escapingControlCharacters) }
        }
    }

    private static func cancel(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(cancelSpec, raw)
        let id = try id(arguments)
        let reason = try arguments.required("reason")
        guard let key = try Commands.pseudonymKey(arguments) else {
            throw UsageError(message: "option --pseudonym-key-file is required: the request's identifier is replaced by its HMAC", command: "request cancel")
        }
        let connection = try Commands.connectMigrated(arguments)
        let ledger = StateDirectory.resolve(option: arguments.value("state-dir")).ledger
        try RequestBook(connection: connection).cancel(id: id, reason: reason, by: ActingPerson.name(arguments), key: key, ledger: ledger)
        Output.out("cancelled erasure request \(id)")
        return .success
    }
}
