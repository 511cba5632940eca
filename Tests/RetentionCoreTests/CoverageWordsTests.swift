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
        #expect(NameWords.match("name", table: "customers") == "name")
        #expect(NameWords.match("name", table: "products") == nil)
        #expect(NameWords.match("first_name", table: "actor") == "first_name")
        #expect(NameWords.match("postal_code", table: "address") == "postalcode")
    }

    @Test("comments: a personal word, and the reviewed marker")
    func comments() {
        #expect(CommentWords.match("holds PII") == "pii")
        #expect(CommentWords.match("impersonal counter") == nil)
        #expect(CommentWords.isReviewed("reviewed: retention:not-personal"))
        #expect(!CommentWords.isReviewed("personal"))
    }
}
