import Foundation
@testable import RetentionCore
import Testing
import TestSupport

/// docs/policy.md is the reference of the policy format: its examples parse, and it names every
/// key the parser knows.
@Suite("The policy reference")
struct PolicyReferenceTests {
    /// The text of every ```json block of a Markdown file of the repository.
    static func jsonBlocks(in file: String) throws -> [String] {
        let text = try String(contentsOfFile: Repository.root + "/" + file, encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```json" {
                current = []
            } else if let lines = current, line == "```" {
                blocks.append(lines.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    @Test("every example in docs/policy.md and the README is a whole policy that parses", arguments: ["docs/policy.md", "README.md"])
    func examplesParse(file: String) throws {
        let blocks = try PolicyReferenceTests.jsonBlocks(in: file)
        #expect(!blocks.isEmpty, "\(file) has no policy example")
        for block in blocks {
            #expect(throws: Never.self, "\(file): \(block.prefix(60))") { _ = try PolicyParser.parse(block) }
        }
    }

    /// Parsing asks for every key an object may have, present or not, on the path its action
    /// takes; so examples that use every rule action and every target action ask for them all.
    @Test("docs/policy.md names every key the parser asks for when it parses the page's own examples")
    func everyKeyIsDocumented() throws {
        let reference = try String(contentsOfFile: Repository.root + "/docs/policy.md", encoding: .utf8)
        let asked = Locked<Set<String>>([])
        var policies: [Policy] = []
        try ObjectReader.$keysAsked.withValue(asked) {
            for block in try PolicyReferenceTests.jsonBlocks(in: "docs/policy.md") {
                policies.append(try PolicyParser.parse(block))
            }
        }
        let ruleActions = Set(policies.flatMap(\.rules).map(\.action.kind))
        #expect(ruleActions == Set(ActionKind.allCases), "the examples leave out rule actions \(Set(ActionKind.allCases).subtracting(ruleActions))")
        let targetActions = Set(policies.compactMap(\.subjects).flatMap(\.targets).map(\.action.kind))
        #expect(targetActions == Set(SubjectActionKind.allCases), "the examples leave out target actions \(Set(SubjectActionKind.allCases).subtracting(targetActions))")
        let keys = asked.withLock { $0 }
        #expect(keys.contains("rules[].due.after") && keys.contains("subjects.targets[].match"))
        let missing = keys.sorted().filter { !reference.contains("`\($0)`") }
        #expect(missing.isEmpty, "docs/policy.md does not name \(missing.map { "`\($0)`" }.joined(separator: ", "))")
    }
}
