@testable import RetentionCore
import Testing

/// Builds a one-rule policy around `rule` (a JSON object's members) for the parser tests.
func policyText(rule: String, top: String = "") -> String {
    """
    { "policy": "p1", "tenants": { "table": "organizations", "key": "id", "terminatedAt": "terminated_at" },\(top)
      "rules": [ { "name": "r1", \(rule) } ] }
    """
}

func problems(_ text: String) -> [PolicyProblem] {
    do {
        _ = try PolicyParser.parse(text)
        return []
    } catch {
        return error.problems
    }
}

@Suite("Policy parser")
struct PolicyParserTests {
    @Test("an example policy parses with every action")
    func designExample() throws {
        let text = """
        { "policy": "okrnest-2026-04-29",
          "tenants": { "table": "organizations", "key": "id", "terminatedAt": "terminated_at" },
          "financialYearStartMonth": 7, "timeZone": "Europe/Stockholm",
          "rules": [
            { "name": "removed-users", "category": "Account", "basis": "s.2", "table": "users", "tenantColumn": "organization_id",
              "due": { "after": "30 days", "from": ["removed_at", "tenant.terminatedAt"] }, "action": "delete" },
            { "name": "usage-logs", "table": "public.audit_log", "due": { "after": "12 months", "from": "created_at" }, "action": "delete" },
            { "name": "analytics-rollup", "table": "analytics_events", "tenantColumn": "organization_id",
              "due": { "after": "14 months", "from": "occurred_at" }, "action": "aggregate",
              "aggregate": { "into": "analytics_daily", "bucket": { "column": "day", "unit": "day" },
                             "dimensions": ["organization_id", "event"], "count": "events", "sums": { "amount": "amount_total" } } },
            { "name": "billing", "table": "invoices", "due": { "after": "7 years", "from": "issued_at", "align": "financial-year-end" }, "action": "delete" },
            { "name": "unsubscribed", "table": "marketing_contacts", "due": { "after": "0 days", "from": "unsubscribed_at" },
              "action": "pseudonymise", "pseudonymise": { "columns": { "email": "hmac", "name": "null", "ip": "truncate-ip", "note": "redact" }, "marker": "pseudonymised_at" } },
            { "name": "backups", "due": { "after": "90 days", "from": "file.modified" }, "action": "purge-files",
              "files": { "directory": "/var/backups/okrnest", "glob": "*.dump" } } ] }
        """
        let policy = try PolicyParser.parse(text)
        #expect(policy.name == "okrnest-2026-04-29")
        #expect(policy.financialYearStartMonth == 7)
        #expect(policy.timeZone == "Europe/Stockholm")
        #expect(policy.rules.map(\.action.kind.rawValue) == ["delete", "delete", "aggregate", "delete", "pseudonymise", "purge-files"])
        #expect(policy.rules[0].due.anchors == [.column("removed_at"), .tenantTerminatedAt])
        #expect(policy.rules[1].table?.parts == ["public", "audit_log"])
        #expect(policy.rules[3].due == Due(after: Period(months: 84, days: 0), anchors: [.column("issued_at")], align: .financialYearEnd))
        guard case let .aggregate(spec) = policy.rules[2].action else { Issue.record("not aggregate"); return }
        #expect(spec.sums == [SumColumn(source: "amount", total: "amount_total")])
        #expect(spec.bucketUnit == .day)
        guard case let .pseudonymise(pseudonymise) = policy.rules[4].action else { Issue.record("not pseudonymise"); return }
        #expect(pseudonymise.columns.map(\.strategy) == [.hmac, .null, .truncateIP, .redact])
        #expect(pseudonymise.needsKey)
        #expect(policy.sha256 == SHA256.hexDigest(text))
    }

    @Test("partitions: rows by default; drop and detach for actions that remove rows")
    func partitionModes() throws {
        let plain = try PolicyParser.parse(policyText(rule: #""table": "t", "due": {"after": "1 day", "from": "c"}, "action": "delete""#))
        #expect(plain.rules[0].partitions == .rows)
        let drop = try PolicyParser.parse(policyText(rule: #""table": "t", "due": {"after": "1 day", "from": "c"}, "action": "delete", "partitions": "drop""#))
        #expect(drop.rules[0].partitions == .drop)
        let detach = try PolicyParser.parse(policyText(rule: #""table": "t", "due": {"after": "1 day", "from": "c"}, "action": "aggregate", "partitions": "detach", "aggregate": {"into": "d", "bucket": {"column": "day", "unit": "day"}, "count": "n"}"#))
        #expect(detach.rules[0].partitions == .detach)
    }

    @Test("a range partition's upper bound is read from pg_get_expr's text; other bounds are not")
    func boundText() {
        #expect(PartitionBoundText.upper("FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00')") == .some("2024-02-01 00:00:00+00"))
        #expect(PartitionBoundText.upper("FOR VALUES FROM (MINVALUE) TO ('2024-02-01')") == .some("2024-02-01"))
        #expect(PartitionBoundText.upper("FOR VALUES FROM ('2024-02-01') TO (MAXVALUE)") == .some(nil))
        #expect(PartitionBoundText.upper("FOR VALUES FROM ('a', 1) TO ('b', 2)") == nil)
        #expect(PartitionBoundText.upper("FOR VALUES IN (1, 2)") == nil)
        #expect(PartitionBoundText.upper("DEFAULT") == nil)
    }

    @Test("defaults: UTC and a January financial year")
    func defaults() throws {
        let policy = try PolicyParser.parse(policyText(rule: #""table": "t", "due": {"after": "1 day", "from": "c"}, "action": "delete""#))
        #expect(policy.timeZone == "UTC")
        #expect(policy.financialYearStartMonth == 1)
    }

    @Test("each mistake is one problem naming the rule and the key", arguments: [
        (#""table": "t", "due": {"after": "1 day", "from": "c"}, "action": "delete", "tabel": "x""#, "tabel", "unknown key"),
        (#""table": "t", "due": {"after": "1 day", "from": "c", "form": "d"}, "action": "delete""#, "due.form", "unknown key"),
        (#""table": "t", "due": {"after": "-3 days", "from": "c"}, "action": "delete""#, "due.after", "is not a period"),
        (#""table": "t", "due": {"after": "soon", "from": "c"}, "action": "delete""#, "due.after", "is not a period"),
        (#""table": "t", "due": {"after": "0", "from": "c"}, "action": "delete""#, "due.after", "is not a period"),
        (#""table": "t", "due": {"from": "c"}, "action": "delete""#, "due.after", "is missing"),
        (#""table": "t", "due": {"after": "1 day", "from": []}, "action": "delete""#, "due.from", "at least one anchor"),
        (#""table": "t", "due": {"after": "1 day", "from": 3}, "action": "delete""#, "due.from", "must be an array"),
        (#""table": "t", "due": {"after": "1 day", "from": "c", "align": "fiscal"}, "action": "delete""#, "due.align", "not an alignment"),
        (#""table": "t", "due": {"after": "1 day", "from": "tenant.terminatedAt"}, "action": "delete""#, "due.from", "tenantColumn"),
        (#""table": "t", "due": {"after": "1 day", "from": "tenant.deletedAt"}, "action": "delete""#, "due.from", "neither a column"),
        (#""table": "t", "due": {"after": "1 day", "from": "c"}, "action": "erase""#, "action", "is not an action"),
        (#""table": "t", "due": {"after": "1 day", "from": "c"}"#, "action", "is missing"),
        (#""due": {"after": "1 day", "from": "c"}, "action": "delete""#, "table", "is missing"),
        (#""table": "a.b.c", "due": {"after": "1 day", "from": "c"}, "action": "delete""#, "table", "is not a table name"),
        (#""table": "t", "due": {"after": "1 day", "from": "c"}, "action": "pseudonymise""#, "pseudonymise", "is missing"),
        (#""table": "t", "due": {"after": "1 day", "from": "c"}, "action": "pseudonymise", "pseudonymise": {"columns": {"email": "sha1"}, "marker": "m"}"#, "pseudonymise.columns.email", "is not a strategy"),
        (#""table": "t", "due": {"after": "1 day", "from": "c"}, "action": "pseudonymise", "pseudonymise": {"columns": {"email": "hmac"}}"#, "pseudonymise.marker", "is missing"),
        (#""table": "t", "due": {"after": "1 day", "from": "c"}, "action": "delete", "pseudonymise": {"columns": {"email": "hmac"}, "marker": "m"}"#, "pseudonymise", "belongs to action"),
        (#""table": "t", "due": {"after": "1 day", "from": "c"}, "action": "aggregate", "aggregate": {"into": "d", "bucket": {"column": "day", "unit": "hour"}, "count": "n"}"#, "aggregate.bucket.unit", "not a bucket unit"),
        (#""table": "t", "due": {"after": "1 day", "from": ["c", "d"]}, "action": "aggregate", "aggregate": {"into": "d", "bucket": {"column": "day", "unit": "day"}, "count": "n"}"#, "due.from", "exactly one column"),
        (#""table": "t", "due": {"after": "1 day", "from": "c"}, "action": "aggregate", "aggregate": {"into": "d", "bucket": {"column": "day", "unit": "day"}}"#, "aggregate.count", "is missing"),
        (#""due": {"after": "1 day", "from": "file.modified"}, "action": "purge-files", "files": {"directory": "/", "glob": "*"}"#, "files.directory", "refusing"),
        (#""due": {"after": "1 day", "from": "file.modified"}, "action": "purge-files", "files": {"directory": "backups", "glob": "*"}"#, "files.directory", "not an absolute path"),
        (#""due": {"after": "1 day", "from": "file.modified"}, "action": "purge-files", "files": {"directory": "/b", "glob": "../*"}"#, "files.glob", "never leaves"),
        (#""table": "t", "due": {"after": "1 day", "from": "file.modified"}, "action": "delete""#, "due.from", "purge-files rules only"),
        (#""table": "t", "due": {"after": "1 day", "from": "c"}, "action": "delete", "partitions": "truncate""#, "partitions", "not a partition mode"),
        (#""table": "t", "due": {"after": "1 day", "from": "c"}, "action": "pseudonymise", "partitions": "drop", "pseudonymise": {"columns": {"email": "hmac"}, "marker": "m"}"#, "partitions", "keeps its rows"),
        (#""due": {"after": "1 day", "from": "file.modified"}, "action": "purge-files", "partitions": "detach", "files": {"directory": "/b", "glob": "*"}"#, "partitions", "keeps its rows"),
        (#""due": {"after": "90 days"}, "action": "expire-backups""#, "pgbackrest", "is missing"),
        (#""due": {"after": "90 days", "from": "file.modified"}, "action": "expire-backups", "pgbackrest": {"stanza": "main"}"#, "due.from", "counts from \"backup.start\" only"),
        (#""due": {"after": "90 days", "align": "calendar-year-end"}, "action": "expire-backups", "pgbackrest": {"stanza": "main"}"#, "due.align", "takes no alignment"),
        (#""due": {"after": "90 days"}, "action": "expire-backups", "pgbackrest": {"stanza": "main; rm -rf /"}"#, "pgbackrest.stanza", "may contain only"),
        (#""due": {"after": "90 days"}, "action": "expire-backups", "pgbackrest": {"stanza": "main", "config": "pgbackrest.conf"}"#, "pgbackrest.config", "absolute path"),
        (#""due": {"after": "90 days"}, "action": "expire-backups", "pgbackrest": {"stanza": "main", "repo": 0}"#, "pgbackrest.repo", "1 to 256"),
        (#""due": {"after": "90 days"}, "action": "expire-backups", "pgbackrest": {"stanza": "main", "path": "/x"}"#, "pgbackrest.path", "unknown key"),
        (#""table": "t", "due": {"after": "90 days"}, "action": "expire-backups", "pgbackrest": {"stanza": "main"}"#, "table", "works on backups"),
        (#""table": "t", "due": {"after": "1 day", "from": "backup.start"}, "action": "delete""#, "due.from", "expire-backups rules only"),
        (#""due": {"after": "90 days", "from": "file.modified"}, "action": "purge-files", "pgbackrest": {"stanza": "main"}, "files": {"directory": "/b", "glob": "*"}"#, "pgbackrest", "belongs to action"),
    ])
    func oneProblem(_ rule: String, _ key: String, _ fragment: String) {
        let found = problems(policyText(rule: rule))
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.rule == "r1")
        #expect(found.first?.key == key, "\(found)")
        #expect(found.first?.message.contains(fragment) == true, "\(found)")
    }

    @Test("expire-backups counts from the sets' start without a due.from; config and repo default to pgBackRest's own")
    func expireBackupsDefaults() throws {
        let policy = try PolicyParser.parse(#"{"policy": "p", "rules": [{"name": "backups", "due": {"after": "90 days"}, "action": "expire-backups", "pgbackrest": {"stanza": "main"}}]}"#)
        let rule = try #require(policy.rules.first)
        #expect(rule.due.anchors == [.backupStart])
        #expect(rule.table == nil)
        guard case let .expireBackups(spec) = rule.action else { Issue.record("not expire-backups"); return }
        #expect(spec == PgBackRestSpec(stanza: "main", config: nil, repo: 1))
    }

    @Test("top-level mistakes name their key")
    func topLevel() {
        let rule = #""table": "t", "due": {"after": "1 day", "from": "c"}, "action": "delete""#
        #expect(problems(policyText(rule: rule, top: #" "financialYearStartMonth": 13,"#)).map(\.key) == ["financialYearStartMonth"])
        #expect(problems(policyText(rule: rule, top: #" "timeZone": "Mars/Olympus","#)).map(\.key) == ["timeZone"])
        #expect(problems(policyText(rule: rule, top: #" "rulez": [],"#)).map(\.key) == ["rulez"])
        #expect(problems(#"{"policy": "p", "rules": []}"#).map(\.key) == ["rules"])
        #expect(problems(#"{"policy": "p", "rules": [{"name": "a", "table": "t", "due": {"after": "1 day", "from": "c"}, "action": "delete"}, {"name": "a", "table": "t", "due": {"after": "1 day", "from": "c"}, "action": "delete"}]}"#).map(\.key) == ["name"])
        #expect(problems("{\"policy\": \"p\",\n\"policy\": \"q\"}").first?.message.contains("line 2") == true)
    }

    @Test("all problems are listed, not only the first")
    func allProblems() {
        let found = problems(policyText(rule: #""table": "t", "due": {"after": "soon", "from": "c"}, "action": "erase", "extra": 1"#))
        #expect(Set(found.map(\.key)) == ["due.after", "action", "extra"])
    }

    @Test("notPersonal: table.column and schema.table.column entries; an entry without a table is a problem")
    func notPersonal() throws {
        let rule = #""table": "t", "due": {"after": "1 year", "from": "c"}, "action": "delete""#
        let policy = try PolicyParser.parse(policyText(rule: rule, top: #" "notPersonal": ["users.nick", "crm.leads.source"],"#))
        #expect(policy.notPersonal.map { "\($0.table.parts)|\($0.column)" } == [#"["users"]|nick"#, #"["crm", "leads"]|source"#])
        #expect(problems(policyText(rule: rule, top: #" "notPersonal": ["nick"],"#)).map(\.key) == ["notPersonal"])
    }
}
