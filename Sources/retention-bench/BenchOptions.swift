import Foundation

/// The benchmark's command line: `retention-bench [--rows N] [--layout seq|shuffled|both|partitioned] [--months N]
/// [--concurrency N] [--database-url URL] [--actions delete,...] [--buckets sparse|dense] [--row-sample N]
/// [--whole-process] [--citus-workers PORT,PORT]`.
struct BenchOptions {
    var rows = 2_000_000
    var layouts = ["seq", "shuffled"]
    var concurrency = 2
    var databaseURL = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
    var actions: [BenchAction] = [.delete]
    /// How many raw rows the aggregate adds into each roll-up row.
    var buckets = BenchBuckets.sparse
    /// Time the `retention` binary from its start to its exit instead of the engine in this process.
    var wholeProcess = false
    var rowSample = 5_000
    var dueFraction = 0.4
    /// Months of the `partitioned` layout.
    var months = 36
    /// The workers' ports (same host as `databaseURL`, a Citus coordinator): run the Citus comparison only.
    var citusWorkers: [String] = []

    static func parse(_ arguments: [String]) -> BenchOptions {
        var options = BenchOptions()
        var index = 0
        func value() -> String {
            index += 1
            guard index < arguments.count else { fail("option \(arguments[index - 1]) requires a value") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--rows": options.rows = required(Int(value()), "--rows takes a number")
            case "--layout":
                let layout = value()
                options.layouts = layout == "both" ? ["seq", "shuffled"] : [layout]
                guard ["seq", "shuffled", "both", "partitioned"].contains(layout) else { fail("--layout is seq, shuffled, both or partitioned") }
            case "--months": options.months = required(Int(value()), "--months takes a number")
            case "--concurrency": options.concurrency = required(Int(value()), "--concurrency takes a number")
            case "--database-url": options.databaseURL = value()
            case "--actions":
                options.actions = value().split(separator: ",").map { name in
                    required(BenchAction(rawValue: String(name)), "--actions takes \(BenchAction.allCases.map(\.rawValue).joined(separator: ","))")
                }
            case "--buckets": options.buckets = required(BenchBuckets(rawValue: value()), "--buckets is sparse or dense")
            case "--whole-process": options.wholeProcess = true
            case "--citus-workers": options.citusWorkers = value().split(separator: ",").map(String.init)
            case "--row-sample": options.rowSample = required(Int(value()), "--row-sample takes a number")
            case "--help":
                print("usage: retention-bench [--rows N] [--layout seq|shuffled|both|partitioned] [--months N] [--concurrency N] [--actions delete,pseudonymise,aggregate,terminate,earliest-of,per-tenant] [--buckets sparse|dense] [--row-sample N] [--whole-process] [--citus-workers PORT,PORT] [--database-url URL]")
                exit(0)
            default: fail("unrecognized option \"\(arguments[index])\"")
            }
            index += 1
        }
        return options
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("retention-bench: error: \(message)\n".utf8))
    exit(2)
}

/// The value, or a usage error naming what was wrong.
func required<T>(_ value: T?, _ message: String) -> T {
    guard let value else { fail(message) }
    return value
}
