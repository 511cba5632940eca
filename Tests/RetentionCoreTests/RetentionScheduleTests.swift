import Foundation
@testable import RetentionCore
import Testing
import TestSupport

/// The published retention schedule is derived from each rule: every sentence is checked
/// against the rule it comes from, and changing the rule changes the sentence.
@Suite("Retention schedule")
struct RetentionScheduleTests {
    /// The sentence of rule `r1` of a one-rule policy.
    static func sentence(_ rule: String, top: String = "") throws -> String {
        let schedule = RetentionSchedule(policy: try PolicyParser.parse(policyText(rule: rule, top: top)))
        return try #require(schedule.entries.first).sentence
    }

    static let users = #""category": "Account data", "table": "users", "tenantColumn": "organization_id", "action": "delete", "#

    @Test("earliest of a removal and the contract's end: both events, whichever is earlier; the period as written")
    func earliestOf() throws {
        let due = #""due": { "after": "30 days", "from": ["removed_at", "tenant.terminatedAt"] }"#
        #expect(try Self.sentence(Self.users + due)
            == "Account data is deleted 30 days after it is removed or the customer's contract ends, whichever is earlier.")
        #expect(try Self.sentence(Self.users + due.replacingOccurrences(of: "30 days", with: "45 days"))
            == "Account data is deleted 45 days after it is removed or the customer's contract ends, whichever is earlier.")
        #expect(try Self.sentence(Self.users + #""due": { "after": "30 days", "from": "tenant.terminatedAt" }"#)
            == "Account data is deleted 30 days after the customer's contract ends.")
    }

    @Test("financial-year alignment names the policy's financial year; calendar-year alignment the calendar year")
    func alignment() throws {
        let rule = #""category": "Billing data", "table": "invoices", "action": "delete", "due": { "after": "7 years", "from": "issued_at", "align": "financial-year-end" }"#
        #expect(try Self.sentence(rule)
            == "Billing data is deleted 7 years after the end of the financial year (January-December) in which it was issued.")
        #expect(try Self.sentence(rule, top: #" "financialYearStartMonth": 7,"#)
            == "Billing data is deleted 7 years after the end of the financial year (July-June) in which it was issued.")
        #expect(try Self.sentence(rule.replacingOccurrences(of: "7 years", with: "P10Y").replacingOccurrences(of: "financial-year-end", with: "calendar-year-end"))
            == "Billing data is deleted 10 years after the end of the calendar year in which it was issued.")
    }

    @Test("periods read as written: months stay months, whole years from two on, days; 0 days is as soon as")
    func periods() throws {
        let rule = #""category": "Logs", "table": "audit_log", "action": "delete", "due": { "after": "AFTER", "from": "created_at" }"#
        for (after, words) in [("12 months", "12 months"), ("14 months", "14 months"), ("P1Y", "12 months"), ("2 years", "2 years"),
                               ("P1M15D", "1 month and 15 days"), ("1 day", "1 day"), ("2 weeks", "14 days")] {
            #expect(try Self.sentence(rule.replacingOccurrences(of: "AFTER", with: after)) == "Logs is deleted \(words) after it was recorded.")
        }
        #expect(try Self.sentence(rule.replacingOccurrences(of: "AFTER", with: "0 days")) == "Logs is deleted as soon as it was recorded.")
    }

    @Test("pseudonymise names each field and what is left of it; aggregate names the statistics")
    func actions() throws {
        let pseudonymise = #""category": "Marketing", "table": "marketing_contacts", "due": { "after": "0 days", "from": "unsubscribed_at" }, "action": "pseudonymise", "pseudonymise": { "columns": { "email": "hmac", "name": "null", "ip": "truncate-ip" }, "marker": "pseudonymised_at" }"#
        let schedule = RetentionSchedule(policy: try PolicyParser.parse(policyText(rule: pseudonymise)))
        let entry = try #require(schedule.entries.first)
        #expect(entry.sentence == "Marketing is pseudonymised as soon as the person unsubscribes.")
        #expect(entry.detail == "Fields pseudonymised: email replaced by a keyed hash (HMAC-SHA256), name erased, ip shortened to its network (IPv4 /24, IPv6 /48); the rest of the record is kept.")
        let aggregate = #""category": "Analytics", "table": "events", "tenantColumn": "organization_id", "due": { "after": "14 months", "from": "occurred_at" }, "action": "aggregate", "aggregate": { "into": "daily", "bucket": { "column": "day", "unit": "month" }, "dimensions": ["organization_id", "event"], "count": "events" }"#
        let rollup = try #require(RetentionSchedule(policy: try PolicyParser.parse(policyText(rule: aggregate))).entries.first)
        #expect(rollup.sentence == "Analytics is aggregated into monthly statistics 14 months after it occurred.")
        #expect(rollup.detail == "The statistics count the records per month by organization_id and event; the individual records are then deleted.")
        #expect(rollup.exceptions == [RetentionSchedule.holdException])
    }

    @Test("backups: how long deleted data stays in them follows the backup rule's period")
    func backups() throws {
        let rule = #""due": { "after": "90 days", "from": "file.modified" }, "action": "purge-files", "files": { "directory": "/var/backups/x", "glob": "*.dump" }"#
        let schedule = RetentionSchedule(policy: try PolicyParser.parse(policyText(rule: rule)))
        #expect(schedule.entries.isEmpty)
        #expect(schedule.backups.map(\.sentence) == ["Backup files (*.dump in /var/backups/x) are deleted 90 days after the file was written, so data deleted from the database remains in them for at most 90 days after its deletion."])
        let longer = RetentionSchedule(policy: try PolicyParser.parse(policyText(rule: rule.replacingOccurrences(of: "90 days", with: "6 months"))))
        #expect(longer.backups.first?.sentence.contains("at most 6 months after its deletion") == true)
    }

    @Test("erasure requests: the deadline, and what each target does or keeps and why, with the rule that removes it later")
    func requests() throws {
        let text = try String(contentsOfFile: Repository.root + "/Jobs/demo-policy.json", encoding: .utf8)
        let schedule = RetentionSchedule(policy: try PolicyParser.parse(text))
        #expect(schedule.requestDeadline == "An erasure request is answered within 30 days of its receipt.")
        let kept = try #require(schedule.requests.first { $0.target == "owner-invoices" })
        #expect(kept.sentence == "Billing data (table invoices) is kept: Bokföringslagen (SFS 1999:1078) 7 kap. 2 §: kept 7 years after the end of the financial year. It is then deleted 7 years after the end of the financial year (January-December) in which it was issued.")
        let statutory = RetentionSchedule(policy: try PolicyParser.parse(text.replacingOccurrences(of: #""deadline": "30 days""#, with: #""deadline": "1 month""#)))
        #expect(statutory.requestDeadline?.hasPrefix("An erasure request is answered within 1 month of its receipt (GDPR Art. 12(3))") == true)
        let comments = try #require(schedule.record.first { $0.category == "Content data" })
        #expect(comments.timeLimits == ["deleted 30 days after the customer's contract ends", "on an erasure request, within 30 days of its receipt"])
    }

    @Test("purpose and recipients reach the record of processing; their types are checked; unknown keys stay errors")
    func purposeAndRecipients() throws {
        let rule = #""category": "Logs", "table": "audit_log", "action": "delete", "due": { "after": "12 months", "from": "created_at" }, "purpose": "security", "recipients": ["hosting provider", "auditors"]"#
        let schedule = RetentionSchedule(policy: try PolicyParser.parse(policyText(rule: rule)))
        #expect(schedule.record == [RetentionSchedule.RecordEntry(category: "Logs", purposes: ["security"], recipients: ["hosting provider", "auditors"],
                                                                 timeLimits: ["deleted 12 months after it was recorded"])])
        #expect(problems(policyText(rule: rule.replacingOccurrences(of: #"["hosting provider", "auditors"]"#, with: #""auditors""#))).map(\.description)
            == [#"rule "r1", key "recipients": must be an array of strings, not a string"#])
        #expect(problems(policyText(rule: rule.replacingOccurrences(of: #""security""#, with: "7"))).map(\.description)
            == [#"rule "r1", key "purpose": must be a string, not a number"#])
        #expect(problems(policyText(rule: rule.replacingOccurrences(of: #""purpose""#, with: #""purposes""#))).map(\.description)
            == [#"rule "r1", key "purposes": unknown key; check its spelling against docs/policy.md"#])
    }

    @Test("each rule of the example policies: its sentence names its category, action, period and every anchor's event; a changed period changes that sentence and no other",
          arguments: ["Jobs/demo-policy.json", "Jobs/okrnest-example.json"])
    func everySentenceFollowsItsRule(file: String) throws {
        let text = try String(contentsOfFile: Repository.root + "/" + file, encoding: .utf8)
        let policy = try PolicyParser.parse(text)
        let schedule = RetentionSchedule(policy: policy)
        for rule in policy.rules where rule.action.kind.actsOnTable {
            let entry = try #require(schedule.entries.first { $0.rule == rule.name })
            #expect(entry.sentence.hasPrefix("\(rule.category ?? "") is \(ScheduleWording.what(rule.action)) "), "\(entry.sentence)")
            let period = ScheduleWording.period(rule.due.after)
            #expect(entry.sentence.contains(rule.due.after.months + rule.due.after.days == 0 ? "as soon as" : "\(period) after"), "\(entry.sentence)")
            for anchor in rule.due.anchors { #expect(entry.sentence.contains(ScheduleWording.event(anchor)), "\(entry.sentence)") }
            #expect(entry.sentence.contains("whichever is earlier") == (rule.due.anchors.count > 1))
            #expect(entry.sentence.contains("financial year") == (rule.due.align == .financialYearEnd))
            // The same policy with this rule's period changed to 5 weeks.
            var edited = try PolicyParser.parse(text)
            let index = try #require(edited.rules.firstIndex { $0.name == rule.name })
            edited.rules[index].due.after = Period(months: 0, days: 35)
            let changed = RetentionSchedule(policy: edited)
            for other in changed.entries {
                let before = try #require(schedule.entries.first { $0.rule == other.rule })
                if other.rule == rule.name {
                    #expect(other.sentence != before.sentence && other.sentence.contains("35 days after"), "\(other.sentence)")
                } else {
                    #expect(other.sentence == before.sentence)
                }
            }
        }
    }

    @Test("docs/okrnest-schedule.md is the schedule generated from Jobs/okrnest-example.json, byte for byte")
    func publishedScheduleIsCurrent() throws {
        let policy = try PolicyParser.load(path: Repository.root + "/Jobs/okrnest-example.json")
        let published = try String(contentsOfFile: Repository.root + "/docs/okrnest-schedule.md", encoding: .utf8)
        #expect(published == RetentionSchedule(policy: policy).markdown(),
                "regenerate it: retention schedule --policy Jobs/okrnest-example.json --out docs/okrnest-schedule.md")
    }
}
