@testable import RetentionCore
import Testing

@Suite("Coverage words")
struct CoverageWordsTests {
    @Test("names split at underscores, digits and changes of case, folded")
    func split() {
        #expect(NameWords.split("billing_email") == ["billing", "email"])
        #expect(NameWords.split("contactEmail2") == ["contact", "email"])
        #expect(NameWords.split("IPAddress") == ["ip", "address"])
        #expect(NameWords.split("Födelsedatum") == ["fodelsedatum"])
    }

    @Test("whole words match; a name that qualifies a thing does not")
    func match() {
        let personal = ["billing_email", "Telefon", "contact_namn", "ip_addr", "e_post", "first_name", "personnummer", "födelsedag", "customerIban", "full_name"]
        let not = ["domain_name", "filename", "title", "created_at", "hostname", "address_id", "email_count"]
        for name in personal { #expect(NameWords.match(name, table: "imports") != nil, "\(name)") }
        for name in not { #expect(NameWords.match(name, table: "customers") == nil, "\(name)") }
        #expect(NameWords.match("name", table: "customers")?.word == "name")
        #expect(NameWords.match("name", table: "products") == nil)
        #expect(NameWords.match("first_name", table: "actor")?.word == "first_name")
        #expect(NameWords.match("postal_code", table: "address")?.word == "postalcode")
        #expect(NameWords.match("picture", table: "staff")?.kind == .photo)
        #expect(NameWords.match("profile_picture", table: "accounts")?.kind == .photo)
        #expect(NameWords.match("picture", table: "products") == nil)
    }

    @Test("Swedish and English compounds: epostadress, mejl, telefonnr, mobilnr, personnr, emailaddress, phonenumber, social_security_number")
    func compounds() {
        let expected: [String: NameKind] = [
            "epostadress": .email, "mejl": .email, "kund_mejl": .email, "telefonnr": .phone, "mobilnr": .phone,
            "personnr": .nationalID, "emailaddress": .email, "EmailAddress": .email, "phonenumber": .phone,
            "phoneNumber": .phone, "social_security_number": .nationalID,
        ]
        for (name, kind) in expected { #expect(NameWords.match(name, table: "imports")?.kind == kind, "\(name)") }
    }

    @Test("GDPR Art. 9 special categories are flagged with their category, whatever the type")
    func specialCategories() {
        let expected: [String: SpecialCategory] = [
            "health_notes": .health, "medical_history": .health, "religion": .religiousBeliefs, "ethnicity": .ethnicOrigin,
            "sexual_orientation": .sexLife, "political_party": .politicalOpinions, "trade_union_member": .tradeUnion,
            "biometric_template_hash": .biometric, "genetic_markers": .genetic, "health_status": .health,
        ]
        for (name, category) in expected {
            #expect(NameWords.match(name, table: "members", type: .boolean)?.kind == .special(category), "\(name)")
        }
    }

    @Test("a type that cannot hold the data, or a descriptor at the end, is no name match")
    func typesAndDescriptors() {
        #expect(NameWords.match("email_verified_at", table: "users", type: .time) == nil)
        #expect(NameWords.match("phone_verified", table: "users", type: .boolean) == nil)
        #expect(NameWords.match("email_opt_in", table: "users", type: .boolean) == nil)
        #expect(NameWords.match("ip_allowlist_enabled", table: "users", type: .boolean) == nil)
        #expect(NameWords.match("email", table: "users", type: .number) == nil)
        #expect(NameWords.match("mobile_app_version", table: "users", type: .text) == nil)
        #expect(NameWords.match("card_brand", table: "users", type: .text) == nil)
        #expect(NameWords.match("phone", table: "users", type: .number)?.kind == .phone)
        #expect(NameWords.match("birth_date", table: "users", type: .time)?.kind == .birth)
        #expect(NameWords.match("email", table: "users", type: .text)?.kind == .email)
    }

    @Test("comments: a personal word, a denied one, and the reviewed marker")
    func comments() {
        #expect(CommentWords.match("holds PII") == "pii")
        #expect(CommentWords.match("free text; GDPR applies") == "gdpr")
        #expect(CommentWords.match("impersonal counter") == nil)
        #expect(CommentWords.match("Contains no PII") == nil)
        #expect(CommentWords.match("not personal data") == nil)
        #expect(CommentWords.match("PII-free hash") == nil)
        #expect(CommentWords.match("inga personuppgifter") == nil)
        #expect(CommentWords.isReviewed("reviewed: retention:not-personal"))
        #expect(!CommentWords.isReviewed("personal"))
    }
}
