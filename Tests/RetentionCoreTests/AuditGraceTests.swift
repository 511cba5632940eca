@testable import RetentionCore
import Testing

@Suite("Audit grace")
struct AuditGraceTests {
    @Test("N hours, or a period as rules write it; anything else is refused")
    func parsing() {
        #expect(AuditGrace(parsing: "12 hours")?.intervalText == "12 hours")
        #expect(AuditGrace(parsing: "1 hour")?.description == "1 hour")
        #expect(AuditGrace(parsing: "2 days")?.intervalText == "0 mons 2 days")
        #expect(AuditGrace(parsing: "P1W")?.description == "7 days")
        #expect(AuditGrace.standard.description == "2 days")
        for bad in ["soon", "2h", "-1 hours", "1.5 hours", "hours", ""] { #expect(AuditGrace(parsing: bad) == nil, "\(bad)") }
    }
}
