import Postgres

/// Parses one rule of a policy; see `PolicyParser`.
enum RuleParser {
    static func parse(_ value: JSONValue, index: Int, tenants: TenantSource?) -> (Rule?, [PolicyProblem]) {
        var reader: ObjectReader
        switch DefinitionParser.reader(value, index: index, scope: .rule) {
        case let .success(opened): reader = opened
        case let .failure(problem): return (nil, [problem])
        }
        // The backup actions (`purge-files`, `expire-backups`) work on backups, not on a table.
        let actionName = reader.string("action", required: true)
        let backupKind = actionName.flatMap(ActionKind.init(rawValue:)).flatMap { $0.actsOnTable ? nil : $0 }
        let shared = DefinitionParser.shared(&reader, categoryRequired: false, tableRequired: backupKind == nil)
        if let backupKind {
            if shared.tableText != nil { reader.problem("table", "\(backupKind.rawValue) works on backups, not a table; remove \"table\"") }
            if shared.tenantColumn != nil { reader.problem("tenantColumn", "\(backupKind.rawValue) has no rows and so no tenant column; remove it") }
        } else {
            DefinitionParser.checkTableName(shared, &reader)
        }
        let tenantColumn = shared.tenantColumn
        let due = parseDue(&reader, backupKind: backupKind, hasTenantColumn: tenantColumn != nil, tenants: tenants)
        let action = parseAction(actionName, &reader, due: due)
        let partitions = parsePartitions(&reader, action: action)
        let problems = reader.finish()
        guard problems.isEmpty, let name = shared.name, let due, let action, let partitions else { return (nil, problems) }
        return (Rule(name: name, category: shared.category, basis: shared.basis, table: shared.table, tenantColumn: tenantColumn,
                     due: due, action: action, partitions: partitions, purpose: shared.purpose, recipients: shared.recipients), [])
    }

    private static func parseDue(_ rule: inout ObjectReader, backupKind: ActionKind?, hasTenantColumn: Bool, tenants: TenantSource?) -> Due? {
        let policyHasTenants = tenants != nil
        guard var reader = rule.object("due", required: true) else { return nil }
        var period: Period?
        if let text = reader.string("after", required: true) {
            period = Period(parsing: text)
            if period == nil {
                reader.problem("after", "\"\(text)\" is not a period; write \"N days\", \"N months\", \"N years\" or ISO 8601 such as \"P30D\" (N a whole number, 0 or more)")
            }
        }
        var anchors: [Anchor] = []
        // `expire-backups` counts from its backups' start, whether or not `from` says so.
        let fromList = reader.strings("from", required: backupKind != .expireBackups, allowSingle: true)
        for text in fromList ?? [] {
            let anchor: Anchor = switch text {
            case "tenant.terminatedAt": .tenantTerminatedAt
            case "file.modified": .fileModified
            case "backup.start": .backupStart
            default: .column(text)
            }
            anchors.append(anchor)
            if let backupKind, let only = backupKind.backupAnchor {
                if anchor != only { reader.problem("from", "\(backupKind.rawValue) counts from \"\(only)\" only") }
                continue
            }
            switch anchor {
            case .tenantTerminatedAt:
                if !hasTenantColumn {
                    reader.problem("from", "\"tenant.terminatedAt\" needs the rule's \"tenantColumn\"; add it")
                } else if !policyHasTenants {
                    reader.problem("from", "\"tenant.terminatedAt\" needs the policy's \"tenants\" section; add it")
                }
            case .fileModified:
                reader.problem("from", "\"file.modified\" is for purge-files rules only")
            case .backupStart:
                reader.problem("from", "\"backup.start\" is for expire-backups rules only")
            case .column:
                if text.contains(".") {
                    reader.problem("from", "\"\(text)\" is neither a column of the rule's table nor \"tenant.terminatedAt\"")
                }
            }
        }
        if fromList?.isEmpty == true { reader.problem("from", "must name at least one anchor") }
        if fromList == nil, let anchor = backupKind?.backupAnchor { anchors = [anchor] }
        var align: YearAlignment?
        if let text = reader.string("align", required: false) {
            align = YearAlignment(rawValue: text)
            if align == nil { reader.problem("align", "\"\(text)\" is not an alignment; use \"financial-year-end\" or \"calendar-year-end\"") }
            if let backupKind { reader.problem("align", "\(backupKind.rawValue) takes no alignment; remove it") }
        }
        let (perTenant, perTenantValid) = parsePerTenant(&reader, backupKind: backupKind, hasTenantColumn: hasTenantColumn, tenants: tenants)
        rule.absorb(reader.finish())
        guard let period, !anchors.isEmpty, perTenantValid else { return nil }
        return Due(after: period, anchors: anchors, align: align, perTenant: perTenant)
    }

    /// `due.perTenant`: `column` of the tenants table, `unit` (`days` for an integer column),
    /// `min` and `max`. Returns the term (nil when absent) and whether the key is valid.
    private static func parsePerTenant(_ due: inout ObjectReader, backupKind: ActionKind?, hasTenantColumn: Bool,
                                       tenants: TenantSource?) -> (TenantTerm?, Bool) {
        let present = due.has("perTenant")
        guard var reader = due.object("perTenant", required: false) else { return (nil, !present) }
        let column = reader.string("column", required: true)
        var unit = TermUnit.interval
        if let text = reader.string("unit", required: false) {
            if text == "days" {
                unit = .days
            } else {
                reader.problem("unit", "\"\(text)\" is not a unit; use \"days\" for an integer column of days, or leave \"unit\" out for an interval column")
            }
        }
        var bounds: [Period?] = []
        for key in ["min", "max"] {
            guard let text = reader.string(key, required: true) else { bounds.append(nil); continue }
            let period = Period(parsing: text)
            if period == nil {
                reader.problem(key, "\"\(text)\" is not a period; write \"N days\", \"N months\", \"N years\" or ISO 8601 such as \"P30D\"")
            }
            bounds.append(period)
        }
        if let min = bounds[0], let max = bounds[1], min.approximateDays > max.approximateDays {
            reader.problem("min", "\(min) is longer than max \(max); the shortest term a tenant may have must not exceed the longest")
        }
        if let backupKind {
            reader.problem("column", "\(backupKind.rawValue) has no tenants; remove \"perTenant\"")
        } else if !hasTenantColumn {
            reader.problem("column", "a per-tenant term needs the rule's \"tenantColumn\"; add it")
        } else if tenants == nil {
            reader.problem("column", "a per-tenant term is read from the policy's \"tenants\" table; add the \"tenants\" section")
        }
        let problems = reader.finish()
        due.absorb(problems)
        guard problems.isEmpty, let column, let min = bounds[0], let max = bounds[1], let tenants else { return (nil, false) }
        return (TenantTerm(tenants: tenants, column: column, unit: unit, min: min, max: max), true)
    }

    private static func parseAction(_ name: String?, _ rule: inout ObjectReader, due: Due?) -> Action? {
        guard let name else { return nil }
        let kind = ActionKind(rawValue: name)
        for other in ActionKind.allCases where other != kind {
            guard let section = other.settingsKey, rule.has(section) else { continue }
            _ = rule.value(section)
            rule.problem(section, "belongs to action \"\(other.rawValue)\", not \"\(name)\"; remove it")
        }
        guard let kind else {
            let names = ActionKind.allCases.map { "\"\($0.rawValue)\"" }
            rule.problem("action", "\"\(name)\" is not an action; use \(names.dropLast().joined(separator: ", ")) or \(names.last!)")
            return nil
        }
        switch kind {
        case .delete:
            return .delete
        case .pseudonymise:
            return parsePseudonymise(&rule).map(Action.pseudonymise)
        case .aggregate:
            if let due, due.anchors.count != 1 || due.align != nil || due.anchors.first == .tenantTerminatedAt {
                rule.problem("due.from", "aggregate buckets rows by one column of the table; name exactly one column and no \"align\"")
            }
            return parseAggregate(&rule).map(Action.aggregate)
        case .purgeFiles:
            return parseFiles(&rule).map(Action.purgeFiles)
        case .expireBackups:
            return parsePgBackRest(&rule).map(Action.expireBackups)
        }
    }

    /// `partitions`: `rows` (default), `drop` or `detach`; whole partitions can only be removed
    /// by actions that remove rows.
    private static func parsePartitions(_ rule: inout ObjectReader, action: Action?) -> PartitionMode? {
        guard let text = rule.string("partitions", required: false) else { return .rows }
        guard let mode = PartitionMode(rawValue: text) else {
            rule.problem("partitions", "\"\(text)\" is not a partition mode; use \"rows\", \"drop\" or \"detach\"")
            return nil
        }
        guard mode.removesPartitions, let action else { return mode }
        switch action {
        case .delete, .aggregate:
            return mode
        case .pseudonymise, .purgeFiles, .expireBackups:
            rule.problem("partitions", "\"\(text)\" removes whole partitions, but action \"\(action.kind.rawValue)\" keeps its rows; remove \"partitions\" or use \"rows\"")
            return nil
        }
    }

    static func parsePseudonymise(_ rule: inout ObjectReader) -> PseudonymiseSpec? {
        guard var reader = rule.object(ActionKind.pseudonymise.settingsKey!, required: true) else { return nil }
        var columns: [ColumnStrategy] = []
        if let map = reader.stringMap("columns", required: true) {
            if map.isEmpty { reader.problem("columns", "must name at least one column") }
            for (column, strategyName) in map {
                if let strategy = PseudonymStrategy(rawValue: strategyName) {
                    columns.append(ColumnStrategy(column: column, strategy: strategy))
                } else {
                    reader.problem("columns.\(column)", "\"\(strategyName)\" is not a strategy; use \"hmac\", \"null\", \"redact\" or \"truncate-ip\"")
                }
            }
        }
        let marker = reader.string("marker", required: true)
        if let marker, columns.contains(where: { $0.column == marker }) {
            reader.problem("marker", "\"\(marker)\" is also a pseudonymised column; the marker must be its own column")
        }
        rule.absorb(reader.finish())
        guard let marker, !columns.isEmpty else { return nil }
        return PseudonymiseSpec(columns: columns, marker: marker)
    }

    private static func parseAggregate(_ rule: inout ObjectReader) -> AggregateSpec? {
        guard var reader = rule.object(ActionKind.aggregate.settingsKey!, required: true) else { return nil }
        let intoText = reader.string("into", required: true)
        let into = intoText.flatMap { Identifier(qualified: $0) }
        if let intoText, into == nil { reader.problem("into", "\"\(intoText)\" is not a table name; write \"table\" or \"schema.table\"") }
        var bucketColumn: String?
        var unit: BucketUnit?
        if var bucket = reader.object("bucket", required: true) {
            bucketColumn = bucket.string("column", required: true)
            if let unitName = bucket.string("unit", required: true) {
                unit = BucketUnit(rawValue: unitName)
                if unit == nil { bucket.problem("unit", "\"\(unitName)\" is not a bucket unit; use \"day\", \"week\", \"month\" or \"year\"") }
            }
            reader.absorb(bucket.finish())
        }
        let dimensions = reader.strings("dimensions", required: false) ?? []
        let count = reader.string("count", required: true)
        let sums = (reader.stringMap("sums", required: false) ?? []).map { SumColumn(source: $0.key, total: $0.value) }
        var targets = [bucketColumn, count].compactMap { $0 } + dimensions + sums.map(\.total)
        targets.sort()
        for (first, second) in zip(targets, targets.dropFirst()) where first == second {
            reader.problem("(columns)", "column \"\(first)\" of the roll-up is named twice; bucket, dimensions, count and sums need their own columns")
        }
        rule.absorb(reader.finish())
        guard let into, let bucketColumn, let unit, let count else { return nil }
        return AggregateSpec(into: into, bucketColumn: bucketColumn, bucketUnit: unit, dimensions: dimensions,
                             countColumn: count, sums: sums)
    }

    private static func parseFiles(_ rule: inout ObjectReader) -> FileSpec? {
        guard var reader = rule.object(ActionKind.purgeFiles.settingsKey!, required: true) else { return nil }
        let directory = reader.string("directory", required: true)
        if let directory {
            if !directory.hasPrefix("/") {
                reader.problem("directory", "\"\(directory)\" is not an absolute path; write the full path")
            } else if directory.split(separator: "/").filter({ $0 != "." }).isEmpty {
                reader.problem("directory", "refusing to purge files under \"/\"; name the backup directory itself")
            } else if directory.split(separator: "/").contains("..") {
                reader.problem("directory", "\"\(directory)\" contains \"..\"; write the directory's real path")
            }
        }
        let glob = reader.string("glob", required: true)
        if let glob, glob.split(separator: "/").contains("..") {
            reader.problem("glob", "\"\(glob)\" contains \"..\"; a purge never leaves its directory")
        }
        rule.absorb(reader.finish())
        guard let directory, let glob else { return nil }
        return FileSpec(directory: directory, glob: glob)
    }

    /// `pgbackrest`: the stanza, the configuration file (default pgBackRest's own) and the
    /// repository's number (default 1). They become arguments of `pgbackrest`, never of a shell.
    private static func parsePgBackRest(_ rule: inout ObjectReader) -> PgBackRestSpec? {
        guard var reader = rule.object(ActionKind.expireBackups.settingsKey!, required: true) else { return nil }
        let stanza = reader.string("stanza", required: true)
        if let stanza, !PolicyParser.isPlainName(stanza) {
            reader.problem("stanza", "\"\(stanza)\" may contain only letters, digits, \".\", \"-\" and \"_\"")
        }
        let config = reader.string("config", required: false)
        if let config, !config.hasPrefix("/") || config.split(separator: "/").contains("..") {
            reader.problem("config", "\"\(config)\" is not an absolute path without \"..\"; write the configuration file's full path")
        }
        let repo = reader.integer("repo") ?? 1
        if !(1...256).contains(repo) {
            reader.problem("repo", "\(repo) is not a pgBackRest repository number; use 1 to 256")
        }
        let problems = reader.finish()
        rule.absorb(problems)
        guard problems.isEmpty, let stanza else { return nil }
        return PgBackRestSpec(stanza: stanza, config: config, repo: repo)
    }
}
