import Foundation
@testable import RetentionCLI
import Testing
import TestSupport

/// Every command parses by the table its `--help` is made from: what is accepted is listed, and
/// what is listed is accepted.
@Suite("Help and parser read one option table")
struct HelpTableTests {
    /// Every table the parser uses: each command's, and each `hold` and `request` verb's.
    static let parsed: [CommandSpec] = Commands.specs.filter { $0.name != "hold" && $0.name != "request" }
        + [HoldCommand.addSpec, HoldCommand.releaseSpec, HoldCommand.listSpec] + RequestCommand.verbs

    /// The options a help text lists, one a line (`  --name=VALUE  text`).
    static func listed(in help: String) -> Set<String> {
        Set(help.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  --") else { return nil }
            let synopsis = line.dropFirst(4).prefix { $0 != " " && $0 != "=" }
            return synopsis == "help" ? nil : String(synopsis)
        })
    }

    /// Arguments that give `option` (a value when it takes one).
    static func arguments(_ option: OptionSpec) -> [String] {
        option.takesValue ? ["--\(option.name)=x"] : ["--\(option.name)"]
    }

    @Test("each command's help lists exactly the options its parser accepts", arguments: Commands.specs.map(\.name))
    func helpListsWhatIsAccepted(command: String) throws {
        let help = try #require(Help.text(for: command))
        let accepted = Set(HelpTableTests.parsed.filter { $0.name == command || $0.name.hasPrefix(command + " ") }.flatMap(\.options).map(\.name))
        #expect(HelpTableTests.listed(in: help) == accepted)
    }

    @Test("every option a table lists is accepted by that command's parser, and every other command's option is refused",
          arguments: HelpTableTests.parsed.map(\.name))
    func parserAcceptsTheTable(command: String) throws {
        let spec = try #require(HelpTableTests.parsed.first { $0.name == command })
        for option in spec.options {
            #expect(throws: Never.self, "--\(option.name)") { _ = try Arguments(spec, HelpTableTests.arguments(option)) }
        }
        let others = Set(HelpTableTests.parsed.flatMap(\.options).map(\.name)).subtracting(spec.options.map(\.name))
        for name in others.sorted() {
            let option = try #require(HelpTableTests.parsed.flatMap(\.options).first { $0.name == name })
            #expect(throws: UsageError.self, "--\(name) is not an option of \(command)") { _ = try Arguments(spec, HelpTableTests.arguments(option)) }
        }
    }

    @Test("the binary prints each command's help from its table", arguments: Commands.specs.map(\.name))
    func binaryPrintsTheTable(command: String) throws {
        let result = try CommandRunner.run(command.split(separator: " ").map(String.init) + ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout == (Help.text(for: command) ?? "") + "\n")
    }

    @Test("each command's help ends by naming the docs/ page to read, and that page exists", arguments: Commands.specs.map(\.name))
    func helpEndsWithItsPage(command: String) throws {
        let help = try #require(Help.text(for: command))
        let last = try #require(help.split(separator: "\n").last.map(String.init))
        #expect(last.hasPrefix("See docs/") && last.hasSuffix(".md."), "\(command): \(last)")
        let page = String(last.dropFirst("See ".count).dropLast())
        #expect(FileManager.default.fileExists(atPath: Repository.root + "/" + page), "\(command): \(page) is missing")
    }

    @Test("docs/commands.md lists every option of each command under the command's heading", arguments: Commands.specs.map(\.name))
    func referenceListsTheOptions(command: String) throws {
        let reference = try String(contentsOfFile: Repository.root + "/docs/commands.md", encoding: .utf8)
        let section = try #require(reference.components(separatedBy: "\n## ").first { $0.hasPrefix(command + "\n") }, "no section ## \(command)")
        let spec = try #require(Commands.specs.first { $0.name == command })
        let missing = spec.options.map(\.synopsis).filter { !section.contains("`\($0)`") }
        #expect(missing.isEmpty, "docs/commands.md, ## \(command), does not list \(missing.joined(separator: ", "))")
    }
}
