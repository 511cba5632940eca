import Foundation
import Postgres
import RetentionCore

// retention-bench: the engine against plain SQL on identical copies of one generated table.
// Build with `swift build -c release`; see BENCHMARKS.md.

let options = BenchOptions.parse(Array(CommandLine.arguments.dropFirst()))
let server = BenchServer(adminURL: options.databaseURL)
let migrations = try MigrationFile.load(directory: required(MigrationFile.locateDirectory(), "could not find Migrations/"))

print("retention-bench: \(options.rows) rows, \(Int(options.dueFraction * 100))% due, engine concurrency \(options.concurrency), \(options.buckets.rawValue) roll-up buckets (\(options.buckets.organisations) organisations)")
if !options.citusWorkers.isEmpty {
    try BenchCitus(server: server, workerPorts: options.citusWorkers, options: options, migrations: migrations).run()
}
for layout in options.citusWorkers.isEmpty ? options.layouts : [] {
    for tenantTable in [false, true] {
        let actions = options.actions.filter { $0.onTenantTable == tenantTable }
        guard !actions.isEmpty else { continue }
        let template = "bench_tpl_\(layout)\(tenantTable ? "_tenants" : "")"
        let setup = Date()
        var step = Double(BenchData.stepSeconds)
        try server.recreate(template) { connection in
            if tenantTable {
                try BenchTenantData.create(connection, rows: options.rows, shuffled: layout == "shuffled")
            } else if layout == "partitioned" {
                step = try BenchData.createPartitioned(connection, rows: options.rows, months: options.months)
            } else {
                try BenchData.create(connection, rows: options.rows, shuffled: layout == "shuffled", buckets: options.buckets)
            }
            _ = try Migrator(files: migrations).migrate(connection)
            if tenantTable { try BenchTenantData.placeHolds(connection) }
        }
        for action in actions {
            let asOf: String
            let due: Int
            if tenantTable {
                asOf = BenchTenantData.asOf
                due = Int(try server.count(template, "SELECT count(*) FROM events e WHERE \(BenchTenantData.condition(action))", [asOf]))
            } else {
                due = Int(Double(options.rows) * options.dueFraction)
                asOf = try server.asOf(template, due: due, step: step)
            }
            print("\n== layout \(layout), \(action.rawValue): table built in \(String(format: "%.1f", Date().timeIntervalSince(setup))) s; \(due) rows due (as of \(asOf))")
            var methods = BenchMethods(server: server, template: template, asOf: asOf, due: due, options: options, migrations: migrations)
            if layout == "partitioned" { methods.partitions = "drop" }
            let single = try methods.singleStatement(action)
            let parallel = action == .delete && layout != "partitioned" ? try methods.parallelStatements() : nil
            let engine = try methods.engine(action)
            let name = action.rawValue as NSString
            print(String(format: "  %-12@ single statement: %9.0f rows/s (%.2f s)", name, single.rate, single.seconds))
            print(String(format: "  %-12@ engine%@: %9.0f rows/s (%.2f s), ratio %.2f, %d batches, longest batch %.0f ms, median %.1f ms",
                         name, options.wholeProcess ? " (process)" : "", engine.rate, engine.seconds, engine.rate / single.rate, engine.batches, engine.longestMs, engine.medianMs))
            if let parallel {
                print(String(format: "  %-12@ %d plain deletes at once, on disjoint ranges of id (what this machine allows): %9.0f rows/s (%.2f s), ratio %.2f; engine to them %.2f",
                             name, options.concurrency, parallel.rate, parallel.seconds, parallel.rate / single.rate, engine.rate / parallel.rate))
            }
            if engine.partitions > 0 {
                print(String(format: "  %-12@ engine removed %d partitions whole; longest hold of the parent's ACCESS EXCLUSIVE lock %.1f ms (longest transaction above)",
                             name, engine.partitions, engine.parentLockMs))
            }
            if action == .delete, options.rowSample > 0 {
                let rowwise = try methods.rowByRow(sample: min(options.rowSample, due))
                print(String(format: "  %-12@ row by row:       %9.0f rows/s (sample of %d), ratio %.3f", name, rowwise.rate, rowwise.rows, rowwise.rate / single.rate))
            }
        }
        server.drop(template)
    }
}
print(String(format: "\npeak memory of the engine (VmHWM of this process; of the retention process with --whole-process): %.1f MiB",
             options.wholeProcess ? PeakMemory.childrenMebibytes() : PeakMemory.mebibytes()))
