import Foundation
@testable import RetentionCore
import Testing

@Suite("Timestamps")
struct TimestampsTests {
    /// Foundation's reading of the engine's form, the independent computation.
    private func foundation(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    @Test("the engine's own form reads as Foundation reads it, leap days and centuries included")
    func readsLikeFoundation() throws {
        var generator = SystemRandomNumberGenerator()
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var instants = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400.5), Date(timeIntervalSince1970: -2_203_891_200.25)]
        instants += (0..<2_000).map { _ in Date(timeIntervalSince1970: Double(Int64.random(in: -2_208_988_800...4_102_444_800, using: &generator)) + 0.001 * Double(Int.random(in: 0..<1000, using: &generator))) }
        for instant in instants {
            let text = formatter.string(from: instant)
            let read = try #require(Timestamps.utc(text), "\(text)")
            let expected = try #require(foundation(text))
            #expect(abs(read.timeIntervalSince(expected)) < 0.000_5, "\(text)")
        }
        #expect(Timestamps.utc("2026-12-07T20:05:35Z") == foundation("2026-12-07T20:05:35.000Z"))
        #expect(Timestamps.utc("2026-12-07T20:05:35.123456Z")!.timeIntervalSince(foundation("2026-12-07T20:05:35.123Z")!) > 0.000_4)
    }

    @Test("another form is left to Foundation; an impossible instant is nobody's")
    func refusesOtherForms() {
        for text in ["2026-02-29T00:00:00Z", "2024-02-30T00:00:00Z", "2026-12-07T24:00:00Z", "2026-12-07T20:60:00Z", "2026-13-01T00:00:00Z",
                     "2026-12-07T20:05:35", "2026-12-07T20:05:35.Z", "2026-12-07 20:05:35Z", "2026-12-07T20:05:35+01:00", "x026-12-07T20:05:35Z"] {
            #expect(Timestamps.utc(text) == nil, "\(text)")
        }
        #expect(Timestamps.utc("2024-02-29T23:59:59Z") == foundation("2024-02-29T23:59:59.000Z"))
        #expect(Timestamps.date("2026-12-07T21:05:35+01:00") == foundation("2026-12-07T20:05:35.000Z"))
    }
}
