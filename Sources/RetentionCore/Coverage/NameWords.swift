import Foundation

/// The words of a column name that suggest personal data, in English and Swedish, matched on
/// whole words of the name: `billing_email` counts, `domain_name` and `filename` do not.
enum NameWords {
    /// Words that are personal on their own (folded: lower case, no diacritics), with what they
    /// say the column holds. Two or three words of a name also match joined (`e_mail`,
    /// `social_security_number`).
    static let personal: [String: NameKind] = {
        var words: [String: NameKind] = [:]
        let kinds: [(NameKind, [String])] = [
            (.email, ["email", "mail", "epost", "emailaddress", "mailaddress", "epostadress", "mejl", "mejladress", "mailadress"]),
            (.phone, ["phone", "telephone", "mobile", "tel", "fax", "telefon", "mobil", "telefonnummer", "mobilnummer",
                      "telefonnr", "mobilnr", "telnr", "phonenumber", "cellphone"]),
            (.ipAddress, ["ip", "ipaddr", "ipaddress"]),
            (.personName, ["firstname", "lastname", "fullname", "surname", "username", "fornamn", "efternamn"]),
            (.address, ["address", "adress", "gatuadress", "street", "zip", "postcode", "postnummer", "postalcode"]),
            (.birth, ["birth", "birthday", "birthdate", "dob", "fodelse", "fodelsedatum", "fodelsedag"]),
            (.nationalID, ["personnummer", "pnr", "personnr", "samordningsnummer", "ssn", "socialsecurity",
                           "socialsecuritynumber", "passport"]),
            (.payment, ["iban", "card", "creditcard", "cardnumber", "kortnummer"]),
            (.gender, ["gender"]),
            (.special(.health), ["health", "medical", "diagnosis", "diagnos", "halsa", "sjukdom", "illness", "disability"]),
            (.special(.religiousBeliefs), ["religion", "religious", "religios", "trosuppfattning"]),
            (.special(.ethnicOrigin), ["ethnicity", "ethnic", "race", "racial", "etnicitet", "etnisk"]),
            (.special(.sexLife), ["sexual", "sexuality", "sexuell", "sexualitet"]),
            (.special(.politicalOpinions), ["political", "politics", "politisk"]),
            (.special(.tradeUnion), ["union", "tradeunion", "fackforening", "fackmedlem"]),
            (.special(.biometric), ["biometric", "biometrics", "biometrisk"]),
            (.special(.genetic), ["genetic", "genetics", "genetisk", "dna", "genome"]),
        ]
        for (kind, list) in kinds { for word in list { words[word] = kind } }
        return words
    }()

    /// Words that are personal only alone in a table of people or after a word of
    /// `personQualifiers` (`users.name`, `profile_picture`; not `domain_name`, `products.picture`).
    static let qualified: [String: NameKind] = [
        "name": .personName, "namn": .personName,
        "picture": .photo, "photo": .photo, "avatar": .photo, "portrait": .photo, "image": .photo, "foto": .photo, "bild": .photo,
    ]

    static let personQualifiers: Set<String> = [
        "first", "last", "full", "given", "family", "middle", "display", "user", "customer", "contact",
        "person", "maiden", "nick", "sur", "for", "efter", "kund", "billing", "shipping", "profile", "profil",
    ]

    /// Last words that make a column a reference, a count or a fact about the data, not the data
    /// (`address_id`, `email_count`, `mobile_app_version`, `card_brand`, `phone_verified`).
    static let descriptorTails: Set<String> = [
        "id", "ids", "count", "type", "status", "version", "brand", "kind", "enabled", "verified", "provider", "format",
    ]

    /// Words of table names whose rows are people: a bare `name` there is a person's (`users.name`,
    /// not `products.name`).
    static let personTables: Set<String> = [
        "user", "users", "customer", "customers", "person", "persons", "people", "contact", "contacts",
        "member", "members", "employee", "employees", "staff", "patient", "patients", "student", "students",
        "kund", "kunder", "personer", "anstalld", "anstallda", "medlem", "medlemmar",
    ]

    /// The word of `column` of `table` that makes it look personal, or nil: the dictionary word
    /// (`first_name` for a qualified name) and what it says the column holds; nil too when a
    /// column of `type` cannot hold that.
    static func match(_ column: String, table: String, type: ColumnType) -> (word: String, kind: NameKind)? {
        guard let found = match(column, table: table), found.kind.fits(type) else { return nil }
        return found
    }

    /// The word of `column` of `table` that makes it look personal, whatever its type. After a
    /// descriptor tail only a special category counts (`health_status`), and not before `count`.
    static func match(_ column: String, table: String) -> (word: String, kind: NameKind)? {
        let words = split(column)
        let tail = words.count > 1 ? words.last.flatMap { descriptorTails.contains($0) ? $0 : nil } : nil
        func accepted(_ word: String, _ kind: NameKind) -> (word: String, kind: NameKind)? {
            guard let tail else { return (word, kind) }
            return kind.special != nil && tail != "count" ? (word, kind) : nil
        }
        for (index, word) in words.enumerated() {
            if let kind = personal[word] { return accepted(word, kind) }
            if let kind = qualified[word] {
                if index > 0, personQualifiers.contains(words[index - 1]) { return accepted(words[index - 1] + "_" + word, kind) }
                if index == 0, !personTables.isDisjoint(with: split(table)) { return accepted(word, kind) }
            }
            for length in [3, 2] where index + 1 >= length {
                let joined = words[(index + 1 - length)...index].joined()
                if let kind = personal[joined] { return accepted(joined, kind) }
            }
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
