import Foundation
import Testing
import TestSupport

@Suite("The command line: help, version, strict options")
struct CommandLineTests {
    @Test("--help and --version go to stdout with exit 0", arguments: [["--help"], ["-?"], ["--version"], ["-V"], ["run", "--help"], ["validate", "--help"], ["migrate", "--help"]])
    func helpAndVersion(_ arguments: [String]) throws {
        let result = try CommandRunner.run(arguments)
        #expect(result.status == 0)
        #expect(!result.stdout.isEmpty)
        #expect(result.stderr.isEmpty)
    }

    @Test("each subcommand's help has a usage line and its options")
    func subcommandHelp() throws {
        let result = try CommandRunner.run(["run", "--help"])
        #expect(result.stdout.contains("Usage:\n  retention run --policy=FILE [OPTION]..."))
        for option in ["--dry-run", "--as-of=TIME", "--batch-size=N", "--concurrency=N", "--max-runtime=DURATION", "--database-url=URL"] {
            #expect(result.stdout.contains(option))
        }
    }

    @Test("every command's help warns that a password in --database-url is visible to other users and names the alternatives",
          arguments: ["validate", "migrate", "run", "plan", "report", "hold", "replay"])
    func passwordWarning(_ command: String) throws {
        let help = try CommandRunner.run([command, "--help"]).stdout
        for word in ["/proc", "PGPASSFILE", "service file", "LoadCredential="] { #expect(help.contains(word), "\(command): \(word)") }
    }

    @Test("usage errors are one line naming the flag, then a pointer to --help; exit 2", arguments: [
        (["run", "--policy"], "option --policy requires a value"),
        (["run", "--polcy", "x"], "unrecognized option \"--polcy\""),
        (["run", "--policy", "p.json", "--batch-size", "ten"], "invalid value \"ten\" for option --batch-size"),
        (["run", "--policy", "p.json", "--batch-size", "0"], "--batch-size must be in range"),
        (["run", "--policy", "p.json", "--as-of", "yesterday"], "invalid value \"yesterday\" for option --as-of"),
        (["run", "--policy", "p.json", "--max-runtime", "soon"], "invalid value \"soon\" for option --max-runtime"),
        (["run", "--dry-run"], "option --policy is required"),
        (["frobnicate"], "unknown command \"frobnicate\""),
        (["validate", "--policy", "a", "--policy", "b"], "option --policy given more than once"),
        (["run", "--policy", "p.json", "--state-dir="], "option --state-dir requires a non-empty value"),
        (["run", "--policy", "p.json", "--report="], "option --report requires a non-empty value"),
        (["run", "--policy", "p.json", "--report", "/tmp"], "cannot write --report \"/tmp\": it is a directory"),
        (["run", "--policy", "p.json", "--metrics-file", "/nowhere/m.prom"], "cannot write --metrics-file \"/nowhere/m.prom\": directory \"/nowhere\" does not exist"),
        (["plan", "--policy", "p.json", "--tenant", "1", "--out", "/tmp"], "cannot write --out \"/tmp\": it is a directory"),
        (["report", "--tenant", "1", "--out", "/tmp"], "cannot write --out \"/tmp\": it is a directory"),
        (["extract", "--policy", "p.json", "--subject", "email=a@b", "--out", "/nowhere/x.json"], "cannot write --out \"/nowhere/x.json\": directory \"/nowhere\" does not exist"),
        (["request", "receipt", "1", "--out", "/tmp"], "cannot write --out \"/tmp\": it is a directory"),
        (["run", "--policy", "p.json", "--as-of", "2026-02-30T00:00:00Z"], "invalid value \"2026-02-30T00:00:00Z\" for option --as-of"),
        (["run", "--policy", "p.json", "--as-of", "2026-03-01T00:00:00+25:00"], "invalid value \"2026-03-01T00:00:00+25:00\" for option --as-of"),
        (["run", "--policy", "p.json", "--as-of", "2026-03-01T00:00:00+16:00"], "invalid value \"2026-03-01T00:00:00+16:00\" for option --as-of"),
        (["run", "--policy", "p.json", "--as-of", "2026-03-01T24:00:00Z"], "invalid value \"2026-03-01T24:00:00Z\" for option --as-of"),
        (["run", "--policy", "p.json", "--as-of", "0000-12-31T00:00:00Z"], "invalid value \"0000-12-31T00:00:00Z\" for option --as-of"),
        (["replay", "--policy", "p.json", "--since", "2025-02-29T00:00:00Z"], "invalid value \"2025-02-29T00:00:00Z\" for option --since"),
        (["plan", "--policy", "p.json", "--tenant", "1", "--terminate-at", "2026-04-31T00:00:00Z"], "invalid value \"2026-04-31T00:00:00Z\" for option --terminate-at"),
        (["report", "--tenant", "1", "--from", "2026-01-01T00:00:00-16:30"], "invalid value \"2026-01-01T00:00:00-16:30\" for option --from"),
        (["report", "--tenant", "1", "--to", "2026-13-01T00:00:00Z"], "invalid value \"2026-13-01T00:00:00Z\" for option --to"),
    ])
    func usageErrors(_ arguments: [String], _ message: String) throws {
        let result = try CommandRunner.run(arguments)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.first == "retention: error: \(message)" || lines.first?.hasPrefix("retention: error: \(message)") == true, "\(result.stderr)")
        #expect(lines.last?.hasPrefix("Try \"retention") == true)
    }

    @Test("instants at the edges of what PostgreSQL accepts are taken", arguments: [
        "2024-02-29T00:00:00Z", "2026-03-01T00:00:00+15:59", "2026-03-01T00:00:00-1559", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z",
    ])
    func acceptedInstants(_ instant: String) throws {
        // The instant is accepted, so the command goes on to the policy file, which is missing.
        let result = try CommandRunner.run(["run", "--policy", "/nonexistent/policy.json", "--as-of", instant])
        #expect(result.status == 2)
        #expect(result.stderr.contains("could not read file \"/nonexistent/policy.json\""), "\(result.stderr)")
    }

    @Test("a missing policy file and invalid JSON are one clear line, exit 2")
    func badPolicyFile() throws {
        let missing = try CommandRunner.run(["validate", "--policy", "/nonexistent/policy.json"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("could not read file \"/nonexistent/policy.json\""))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID()).json").path
        try "{\"policy\": \"x\",\n \"rules\": [}".write(toFile: path, atomically: true, encoding: .utf8)
        let invalid = try CommandRunner.run(["validate", "--policy", path])
        #expect(invalid.status == 2)
        #expect(invalid.stderr.contains("invalid JSON at line 2"))
    }

    @Test("the demo policy and the documented example pass the file check")
    func shippedPolicies() throws {
        for name in ["demo-policy.json", "okrnest-example.json"] {
            let result = try CommandRunner.run(["validate", "--policy", Repository.root + "/Jobs/" + name])
            #expect(result.status == 0, "\(name): \(result.stderr)")
        }
    }
}
