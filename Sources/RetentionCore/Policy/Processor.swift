/// A recipient of personal data (a processor such as a mail or support platform): told, for each
/// erasure request, of what was erased in its categories (GDPR Art. 19). Policy key `processors`.
public struct Processor: Sendable, Equatable {
    public var name: String
    /// The categories (of rules and subjects targets) whose data the recipient receives.
    public var categories: [String]
    /// How to reach it (an address, a ticket queue); optional.
    public var contact: String?

    /// `processors`: an array of `{"name", "categories", "contact"}`; every category must be one
    /// that a rule or target of the policy names.
    static func parse(_ root: inout ObjectReader, categories known: [String]) -> [Processor] {
        guard let value = root.value("processors") else { return [] }
        guard case let .array(elements) = value, !elements.isEmpty else {
            root.problem("processors", "must be a non-empty array of {\"name\", \"categories\", \"contact\"}")
            return []
        }
        var processors: [Processor] = []
        for (index, element) in elements.enumerated() {
            let declared: String? = if case let .string(text)? = element["name"], !text.isEmpty { text } else { nil }
            guard var reader = ObjectReader(element, rule: declared ?? "#\(index + 1)", path: "", scope: .processor) else {
                root.problem("processors", "entry \(index + 1) must be an object, not \(element.typeName)")
                continue
            }
            let name = reader.string("name", required: true)
            let categories = reader.strings("categories", required: true) ?? []
            for category in categories where !known.contains(category) {
                reader.problem("categories", "\"\(category)\" is not a category of any rule or subjects target; use one of \(Set(known).sorted().map { "\"\($0)\"" }.joined(separator: ", "))")
            }
            let contact = reader.string("contact", required: false)
            if let name, processors.contains(where: { $0.name == name }) {
                reader.problem("name", "is used by an earlier processor; names must be unique")
            }
            let problems = reader.finish()
            root.absorb(problems)
            if problems.isEmpty, let name { processors.append(Processor(name: name, categories: categories, contact: contact)) }
        }
        return processors
    }
}
