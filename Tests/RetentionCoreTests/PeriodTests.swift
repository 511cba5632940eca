import RetentionCore
import Testing

@Suite("Periods and command-line times")
struct PeriodTests {
    @Test("accepted forms normalise to months and days", arguments: [
        ("30 days", 0, 30), ("1 day", 0, 1), ("0 days", 0, 0), ("12 months", 12, 0), ("1 month", 1, 0),
        ("7 years", 84, 0), ("1 year", 12, 0), ("2 weeks", 0, 14), ("P30D", 0, 30), ("P12M", 12, 0),
        ("P7Y", 84, 0), ("P1Y6M", 18, 0), ("P2W", 0, 14), ("P1Y2M3D", 14, 3), ("  90 days ", 0, 90),
    ])
    func accepted(_ text: String, _ months: Int, _ days: Int) {
        #expect(Period(parsing: text) == Period(months: months, days: days))
    }

    @Test("rejected forms", arguments: ["-3 days", "soon", "0", "30", "days", "3 fortnights", "P", "PT2H", "P1D2Y",
                                        "1.5 days", "P-1D", "3  days extra", "", "9999999 days", "201 years", "+3 days"])
    func rejected(_ text: String) {
        #expect(Period(parsing: text) == nil)
    }

    @Test("interval text is what PostgreSQL reads as the same interval")
    func intervalText() {
        #expect(Period(months: 84, days: 3).intervalText == "84 mons 3 days")
        #expect(Period(months: 18, days: 0).description == "1 year 6 months")
    }

    @Test("durations", arguments: [("90s", 90.0), ("30m", 1800.0), ("2h", 7200.0), ("PT2H", 7200.0), ("PT1H30M", 5400.0), ("P1DT1S", 86401.0)])
    func durations(_ text: String, _ seconds: Double) {
        #expect(TimeText.duration(text) == seconds)
    }

    @Test("bad durations", arguments: ["", "2x", "-5s", "PT", "P1H", "soon", "0s"])
    func badDurations(_ text: String) {
        #expect(TimeText.duration(text) == nil)
    }

    @Test("instants need an offset")
    func instants() {
        #expect(TimeText.instant("2026-03-15T00:00:00Z") != nil)
        #expect(TimeText.instant("2026-03-15T01:00:00+01:00") != nil)
        #expect(TimeText.instant("2026-03-15T01:00:00.250000+0100") != nil)
        #expect(TimeText.instant("2026-03-15T00:00:00") == nil)
        #expect(TimeText.instant("2026-03-15") == nil)
        #expect(TimeText.instant("yesterday") == nil)
        #expect(TimeText.instant("2026-13-45T00:00:00Z") == nil)
        #expect(TimeText.instant("2026-03-15 02:00Z") == "2026-03-15T02:00:00Z")
        #expect(TimeText.instant("2026-03-15T01:00:00.250000+0100") == "2026-03-15T01:00:00.250000+01:00")
        #expect(TimeText.instant("2026-03-15T01:00+01") == "2026-03-15T01:00:00+01:00")
    }
}
