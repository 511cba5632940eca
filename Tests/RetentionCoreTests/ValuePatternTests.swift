@testable import RetentionCore
import Testing

/// Each validator against published examples with valid check digits and the same with one digit changed.
@Suite("Value patterns")
struct ValuePatternTests {
    @Test("personnummer: Skatteverket's example in every form; a wrong check digit, a bad month, random digits")
    func personnummer() {
        for valid in ["811218-9876", "8112189876", "198112189876", "19811218-9876", "811278-9873"] {
            #expect(ValueKind.of(valid) == .personnummer, "\(valid)")
        }
        for invalid in ["811218-9875", "811318-9874", "1234567890", "811218*9876"] {
            #expect(ValueKind.of(invalid) != .personnummer, "\(invalid)")
        }
    }

    @Test("card numbers pass the Luhn check; one digit off does not")
    func cards() {
        #expect(ValueKind.of("4111 1111 1111 1111") == .card)
        #expect(ValueKind.of("5500-0000-0000-0004") == .card)
        #expect(ValueKind.of("4111 1111 1111 1112") == nil)
        #expect(ValuePatterns.luhn([7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3]))
        #expect(!ValuePatterns.luhn([7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 4]))
    }

    @Test("IBAN: mod 97")
    func iban() {
        #expect(ValueKind.of("GB82 WEST 1234 5698 7654 32") == .iban)
        #expect(ValueKind.of("SE4550000000058398257466") == .iban)
        #expect(ValueKind.of("GB82 WEST 1234 5698 7654 33") == nil)
    }

    @Test("e-mail, IP, phone")
    func others() {
        #expect(ValueKind.of("anna.berg@example.se") == .email)
        #expect(ValueKind.of("not an @ddress") == nil)
        #expect(ValueKind.of("a@b") == nil)
        #expect(ValueKind.of("203.0.113.9") == .ip)
        #expect(ValueKind.of("2001:db8::1") == .ip)
        #expect(ValueKind.of("256.1.1.1") == nil)
        #expect(ValueKind.of("12:30:00") == nil)
        #expect(ValueKind.of("+46 70 123 45 67") == .phone)
        #expect(ValueKind.of("070-123 45 67") == .phone)
        #expect(ValueKind.of("12345678") == nil)
        #expect(ValueKind.of("v1.2.3") == nil)
    }

    @Test("inside values: e-mails and phone numbers in free text, documents and arrays; digits that are neither")
    func inside() {
        #expect(ValueKind.inside("Hej, kontakta mig på anna3@foretag.se.") == [.email])
        #expect(ValueKind.inside(#"{"contact": {"channels": [{"value": "b.berg@example.se"}]}}"#) == [.email])
        #expect(ValueKind.inside("{070-123 45 67,+46 70 765 43 21}") == [.phone])
        #expect(ValueKind.inside("ring (08) 123 45 67 efter 17") == [.phone])
        #expect(ValueKind.inside("pnr 811218-9876 enligt kunden") == [.personnummer])
        #expect(ValueKind.inside("order 2024-01-05 10:30, total 1 250 kr, see @support") == [])
        #expect(ValueKind.inside("mail me at foo@bar") == [])
    }

    @Test("dotted quads that could be versions are no IP addresses unless one of the sample cannot be")
    func versions() {
        #expect(ValuePatterns.isVersionLike("10.2.3.0"))
        #expect(!ValuePatterns.isVersionLike("203.0.113.9"))
        #expect(ValueSample.signal(["10.2.3.0", "10.2.4.1", "11.0.0.7"]) == nil)
        #expect(ValueSample.signal(["10.0.0.1", "10.0.0.2", "203.0.113.9"]) == .sample(.ip, hits: 3, sampled: 3, inside: false))
    }
}
