import Foundation

/// The words of a column name that suggest personal data, in English and Swedish, matched on
/// whole words of the name: `billing_email` counts, `domain_name` and `filename` do not.
enum NameWords {
    /// Words that are personal on their own (folded: lower case, no diacritics).
    static let personal: Set<String> = [
        "email", "mail", "epost", "phone", "telephone", "mobile", "tel", "fax", "telefon", "mobil",
        "telefonnummer", "mobilnummer", "firstname", "lastname", "fullname", "surname", "username",
        "fornamn", "efternamn", "address", "adress", "gatuadress", "street", "zip", "postcode",
        "postnummer", "postalcode", "personnummer", "pnr", "samordningsnummer", "ssn", "birth", "birthday",
        "birthdate", "dob", "fodelse", "fodelsedatum", "fodelsedag", "ip", "ipaddr", "ipaddress",
        "iban", "card", "creditcard", "cardnumber", "kortnummer", "passport", "gender",
    ]

    /// Words that are personal only alone or after a word of `personQualifiers` (`name`, not `domain_name`).
    static let qualified: Set<String> = ["name", "namn"]

    static let personQualifiers: Set<String> = [
        "first", "last", "full", "given", "family", "middle", "display", "user", "customer", "contact",
        "person", "maiden", "nick", "sur", "for", "efter", "kund", "billing", "shipping",
    ]

    /// Last words that make a column a reference or a count, not the data (`address_id`, `email_count`).
    static let referenceTails: Set<String> = ["id", "ids", "count", "type", "status"]

    /// Words of table names whose rows are people: a bare `name` there is a person's (`users.name`,
    /// not `products.name`).
    static let personTables: Set<String> = [
        "user", "users", "customer", "customers", "person", "persons", "people", "contact", "contacts",
        "member", "members", "employee", "employees", "staff", "patient", "patients", "student", "students",
        "kund", "kunder", "personer", "anstalld", "anstallda", "medlem", "medlemmar",
    ]

    /// The dictionary word that makes `column` of `table` look personal (`first_name` for a
    /// qualified name), or nil.
    static func match(_ column: String, table: String) -> String? {
        let words = split(column)
        if let last = words.last, words.count > 1, referenceTails.contains(last) { return nil }
        for (index, word) in words.enumerated() {
            if personal.contains(word) { return word }
            if qualified.contains(word) {
                if index > 0, personQualifiers.contains(words[index - 1]) { return words[index - 1] + "_" + word }
                if index == 0, !personTables.isDisjoint(with: split(table)) { return word }
            }
            if index > 0, personal.contains(words[index - 1] + word) { return words[index - 1] + word }
        }
        return nil
    }

    /// `billingEmail`, `billing_email`, `IPAddress` → folded words, split at `_`, `-`, spaces,
    /// digits and changes of case.
    static func split(_ name: String) -> [String] {
        var words: [String] = []
        var current = ""
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            guard character.isLetter else {
                if !current.isEmpty { words.append(current) }
                current = ""
                continue
            }
            if let previous = current.last, character.isUppercase {
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                if previous.isLowercase || (previous.isUppercase && nextIsLower) {
                    words.append(current)
                    current = ""
                }
            }
            current.append(character)
        }
        if !current.isEmpty { words.append(current) }
        return words.map { $0.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased() }
    }
}
