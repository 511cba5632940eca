/// What a column's type can hold, as coverage judges it: it decides whether a name counts and
/// whether and how the values are sampled. Domains are judged by their base type.
enum ColumnType: Equatable {
    /// `text`, `varchar`, `char`, `citext`, `name`: sampled whole and searched inside.
    case text
    /// `json` and `jsonb`: their text searched inside, under any key at any depth.
    case document
    /// An array of text or of documents (`text[]`, `jsonb[]`): its text form searched inside.
    case array
    /// `inet`, `cidr`, `macaddr`, `macaddr8`: addresses of devices.
    case device
    case number
    /// Dates, times and timestamps.
    case time
    case boolean
    /// Anything else (`bytea`, `uuid`, enums, composites, arrays of numbers, …).
    case other

    static let deviceTypes: Set<String> = ["inet", "cidr", "macaddr", "macaddr8"]

    /// The type of base type `name` of `pg_type.typcategory` `category`; `elementCategory` is an
    /// array's element's category (empty for other types).
    init(baseType name: String, category: String, elementCategory: String) {
        switch (name, category) {
        case _ where ColumnType.deviceTypes.contains(name): self = .device
        case ("json", _), ("jsonb", _): self = .document
        case (_, "S"): self = .text
        case (_, "A"): self = ["S", "U"].contains(elementCategory) ? .array : .other
        case (_, "N"): self = .number
        case (_, "D"): self = .time
        case (_, "B"): self = .boolean
        default: self = .other
        }
    }

    /// Whether values of this type are sampled.
    var isSampled: Bool { [.text, .document, .array].contains(self) }
}
