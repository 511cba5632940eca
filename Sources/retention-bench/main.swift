import Foundation
import Postgres
import RetentionCore

// retention-bench: the engine against plain SQL on identical copies of one generated table.
// Build with `swift build -c release`; see the README's "Benchmark" section.

let options = BenchOptions.parse(Array(CommandLine.arguments.dropFirst()))
let server = BenchServer(adminURL: options.databaseURL)
let migrations = try MigrationFile.load(directory: required(MigrationFile.locateDirectory(), "could not find Migrations/"))

print("retention-bench: \(options.rows) rows, \(Int(options.dueFraction * 100))% due, engine concurrency \(options.concurrency)")
for layout in options.layouts {
    let template = "bench_tpl_\(layout)"
    let setup = Date()
    var step = Double(BenchData.stepSeconds)
    try server.recreate(template) { connection in
        if layout == "partitioned" {
            step = try BenchData.createPartitioned(connection, rows: options.rows, months: options.months)
        } else {
            try BenchData.create(connection, rows: options.rows, shuffled: layout == "shuffled")
        }
        _ = try Migrator(files: migrations).migrate(connection)
    }
    let due = Int(Double(options.rows) * options.dueFraction)
    let asOf = try server.asOf(template, due: due, step: step)
    print("\n== layout \(layout): table built in \(String(format: "%.1f", Date().timeIntervalSince(setup))) s; \(due) rows due (anchor < \(asOf))")
    for action in options.actions {
        var methods = BenchMethods(server: server, template: template, asOf: asOf, due: due, options: options, migrations: migrations)
        if layout == "partitioned" { methods.partitions = "drop" }
        let single = try methods.singleStatement(action)
        let engine = try methods.engine(action)
        print(String(format: "  %-12@ single statement: %9.0f rows/s (%.2f s)", action as NSString, single.rate, single.seconds))
        print(String(format: "  %-12@ engine:           %9.0f rows/s (%.2f s), ratio %.2f, %d batches, longest batch %.0f ms, median %.1f ms",
                     action as NSString, engine.rate, engine.seconds, engine.rate / single.rate, engine.batches, engine.longestMs, engine.medianMs))
        if engine.partitions > 0 {
            print(String(format: "  %-12@ engine removed %d partitions whole; longest hold of the parent's ACCESS EXCLUSIVE lock %.1f ms (longest transaction above)",
                         action as NSString, engine.partitions, engine.parentLockMs))
        }
        if action == "delete", options.rowSample > 0 {
            let rowwise = try methods.rowByRow(sample: min(options.rowSample, due))
            print(String(format: "  %-12@ row by row:       %9.0f rows/s (sample of %d), ratio %.3f", action as NSString, rowwise.rate, rowwise.rows, rowwise.rate / single.rate))
        }
    }
    server.drop(template)
}
print(String(format: "\npeak memory of the engine process (VmHWM): %.1f MiB", PeakMemory.mebibytes()))
