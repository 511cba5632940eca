import Foundation
import Testing
import TestSupport

/// A backup directory with files of known ages, relative to the run's --as-of.
private struct BackupDirectory {
    let path: String
    static let asOf = "2026-06-01T00:00:00Z"
    static let asOfEpoch = 1_780_272_000.0

    init(_ fixture: EngineFixture) throws {
        path = fixture.directory + "/backups"
        try FileManager.default.createDirectory(atPath: path + "/nested", withIntermediateDirectories: true)
    }

    /// Creates `name` with `bytes` bytes, last modified `days` days before the run's as-of.
    func file(_ name: String, days: Double, bytes: Int = 100) throws {
        let full = path + "/" + name
        try Data(repeating: 7, count: bytes).write(to: URL(fileURLWithPath: full))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: BackupDirectory.asOfEpoch - days * 86400)], ofItemAtPath: full)
    }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path + "/" + name) }
}

private func purgePolicy(_ directory: String, glob: String = "*.dump") -> String {
    #"{"policy": "purge", "rules": [{"name": "backups", "category": "Backups", "due": {"after": "90 days", "from": "file.modified"}, "action": "purge-files", "files": {"directory": "\#(directory)", "glob": "\#(glob)"}}]}"#
}

@Suite("purge-files")
struct PurgeFilesTests {
    @Test("exactly the matching files older than the period go; symlinks, other names and subdirectories stay; the report lists each file")
    func exactFiles() throws {
        let fixture = try EngineFixture.make("purge", schemaSQL: "SELECT 1;")
        defer { fixture.drop() }
        let backups = try BackupDirectory(fixture)
        try backups.file("old-1.dump", days: 120, bytes: 1000)
        try backups.file("old-2.dump", days: 90.01, bytes: 500)
        try backups.file("edge.dump", days: 89.99)
        try backups.file("new.dump", days: 1)
        try backups.file("old.log", days: 400)
        try backups.file(".hidden.dump", days: 400)
        try backups.file("nested/deep.dump", days: 400)
        let outside = fixture.directory + "/outside.dump"
        try Data([1]).write(to: URL(fileURLWithPath: outside))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 0)], ofItemAtPath: outside)
        try FileManager.default.createSymbolicLink(atPath: backups.path + "/link.dump", withDestinationPath: outside)
        try fixture.writePolicy(purgePolicy(backups.path))

        let dry = try fixture.retention(["run", "--dry-run", "--as-of", BackupDirectory.asOf])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(backups.exists("old-1.dump") && backups.exists("old-2.dump"))
        #expect(try fixture.ruleReport("backups").int("matched") == 2)

        let run = try fixture.retention(["run", "--as-of", BackupDirectory.asOf])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!backups.exists("old-1.dump") && !backups.exists("old-2.dump"))
        for kept in ["edge.dump", "new.dump", "old.log", ".hidden.dump", "nested/deep.dump", "link.dump"] { #expect(backups.exists(kept), "\(kept)") }
        #expect(FileManager.default.fileExists(atPath: outside))
        let rule = try fixture.ruleReport("backups")
        #expect(rule.int("affected") == 2)
        #expect(rule.int("bytesFreed") == 1500)
        let files = (rule["files"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }.sorted()
        #expect(files == ["old-1.dump", "old-2.dump"])
        #expect((rule["warnings"] as? [String] ?? []).contains { $0.contains("link.dump") })
    }

    @Test("a glob with a slash recurses; a purge that leaves no young file warns loudly")
    func recursionAndWarning() throws {
        let fixture = try EngineFixture.make("purgedeep", schemaSQL: "SELECT 1;")
        defer { fixture.drop() }
        let backups = try BackupDirectory(fixture)
        try backups.file("nested/deep.dump", days: 400)
        try backups.file("top.dump", days: 400)
        try FileManager.default.createDirectory(atPath: backups.path + "/.snapshots", withIntermediateDirectories: true)
        try backups.file(".snapshots/hidden.dump", days: 400)
        let outside = fixture.directory + "/elsewhere"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data([1]).write(to: URL(fileURLWithPath: outside + "/victim.dump"))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 0)], ofItemAtPath: outside + "/victim.dump")
        try FileManager.default.createSymbolicLink(atPath: backups.path + "/linked", withDestinationPath: outside)
        try fixture.writePolicy(purgePolicy(backups.path, glob: "**/*.dump"))
        let run = try fixture.retention(["run", "--as-of", BackupDirectory.asOf])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!backups.exists("nested/deep.dump") && !backups.exists("top.dump"))
        #expect(backups.exists(".snapshots/hidden.dump"))
        #expect(FileManager.default.fileExists(atPath: outside + "/victim.dump"), "a linked directory is never entered")
        #expect(run.stderr.contains("no backup left"))
    }

    @Test("a file that cannot be removed is reported, the others are removed, exit 1")
    func unremovable() throws {
        let fixture = try EngineFixture.make("purgefail", schemaSQL: "SELECT 1;")
        defer { fixture.drop() }
        let backups = try BackupDirectory(fixture)
        try backups.file("a.dump", days: 200)
        try backups.file("b.dump", days: 200)
        try backups.file("c.dump", days: 200)
        try backups.file("young.dump", days: 2)
        #expect(try TestProcess.run("/usr/bin/chattr", ["+i", backups.path + "/b.dump"]).status == 0,
                "chattr +i is needed to make a file that root cannot remove")
        defer { _ = try? TestProcess.run("/usr/bin/chattr", ["-i", backups.path + "/b.dump"]) }
        try fixture.writePolicy(purgePolicy(backups.path))
        let run = try fixture.retention(["run", "--as-of", BackupDirectory.asOf])
        #expect(run.status == 1)
        #expect(!backups.exists("a.dump") && !backups.exists("c.dump") && backups.exists("b.dump"))
        let rule = try fixture.ruleReport("backups")
        #expect(rule["status"] as? String == "failed")
        #expect((rule["error"] as? String ?? "").contains("b.dump"))
        #expect(rule.int("affected") == 2)
    }

    @Test("names with a newline or other control characters are printed escaped; the report keeps them exact")
    func controlCharactersEscaped() throws {
        let fixture = try EngineFixture.make("purgectl", schemaSQL: "SELECT 1;")
        defer { fixture.drop() }
        let backups = try BackupDirectory(fixture)
        try backups.file("old\nremoved fake.dump", days: 200)
        try backups.file("tab\there\u{1b}[31m.dump", days: 200)
        try backups.file("young.dump", days: 2)
        try FileManager.default.createSymbolicLink(atPath: backups.path + "/link\nx.dump", withDestinationPath: backups.path + "/young.dump")
        try fixture.writePolicy(purgePolicy(backups.path))
        let run = try fixture.retention(["run", "--as-of", BackupDirectory.asOf])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!backups.exists("old\nremoved fake.dump") && !backups.exists("tab\there\u{1b}[31m.dump"))
        let output = run.stdout + run.stderr
        #expect(!output.contains("\u{1b}") && !output.contains("\t"), "\(output)")
        #expect(!output.split(separator: "\n").contains { $0.hasPrefix("removed fake.dump") || $0.hasPrefix("x.dump") }, "\(output)")
        #expect(run.stdout.contains("removed old\\nremoved fake.dump:"), "\(run.stdout)")
        #expect(run.stdout.contains("tab\\there\\u001b[31m.dump"), "\(run.stdout)")
        #expect(run.stderr.contains("link\\nx.dump"), "\(run.stderr)")
        let files = (try fixture.ruleReport("backups")["files"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }.sorted()
        #expect(files == ["old\nremoved fake.dump", "tab\there\u{1b}[31m.dump"])
    }

    @Test("a relative directory, \"/\" and \"..\" are refused before anything runs")
    func refusedPaths() throws {
        for (directory, glob) in [("backups", "*.dump"), ("/", "*.dump"), ("/.", "**/*.dump"), ("/./.", "*"), ("/var/backups/../etc", "*"), ("/var/backups", "../*")] {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("purge-\(UUID()).json").path
            try purgePolicy(directory, glob: glob).write(toFile: path, atomically: true, encoding: .utf8)
            let result = try CommandRunner.run(["validate", "--policy", path])
            #expect(result.status == 2, "\(directory) \(glob)")
        }
    }
}
