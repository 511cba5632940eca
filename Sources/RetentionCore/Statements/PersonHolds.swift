import Postgres

/// The rows of one table that legal holds on persons keep (`hold add --subject`): the table's
/// columns through which the subjects map finds a person's rows (the `match` of every target on
/// the table, and the subject table's key), and how a statement tells the held person's rows.
/// The holds are read by the statement itself from `retention.legal_holds`, so a hold placed
/// while a run goes on keeps the person's rows from the next batch on. Pure: builds text.
public struct PersonHolds: Sendable {
    /// How the statements of a session tell a held person's rows.
    public enum Reading: Sendable {
        /// A row is held when the HMAC of one of its match columns' text is one the hold stores
        /// for that column's subject column. The session has the pseudonym pads.
        case byHMAC(citusHeld: Bool)
        /// The session has no pseudonym key, so nobody's rows can be told apart: while any hold
        /// on a person is in force, every row of the table counts as held.
        case everyRowWhileAnyHold(citusHeld: Bool)

        /// Whether a hold on a person was in force when the command read it (`session`). A
        /// statement on a Citus table cannot take the HMAC of a row's text with the coordinator's
        /// pads, nor read the coordinator's holds: there, every row the subjects map reaches is
        /// kept when this is true (`hold add --subject` refuses such a map, so only a hold placed
        /// before a table was distributed can be in force). Unread, it is taken to be true.
        var citusHeld: Bool {
            switch self {
            case let .byHMAC(held), let .everyRowWhileAnyHold(held): return held
            }
        }

        /// How a session with (or without) the pseudonym key tells a held person's rows, with
        /// the holds on persons in force now (none read for a policy without subjects).
        public static func session(key: PseudonymKey?, policy: Policy, _ connection: Connection) throws -> Reading {
            let held = try policy.subjects != nil && connection.execute("SELECT \(PersonHolds.anyInForce)").onlyRow().bool(0)
            return key == nil ? .everyRowWhileAnyHold(citusHeld: held) : .byHMAC(citusHeld: held)
        }
    }

    /// The table's columns and the subject column each is compared with.
    public let matches: [SubjectMatch]
    public let reading: Reading
    /// A Citus table, on which every row the map reaches is held (`Reading.citusHeld`).
    let keepsEveryRow: Bool

    /// The holds on persons that reach `table`, or nil: the policy has no subjects map, or no
    /// target of it (nor its subject table) is `table`, so no person's rows are found there.
    public static func of(_ table: TableInfo, policy: Policy, schema: Schema, reading: Reading) -> PersonHolds? {
        guard let subjects = policy.subjects else { return nil }
        var matches: [SubjectMatch] = []
        if schema.tables[subjects.table]?.identifier == table.identifier {
            matches.append(SubjectMatch(column: subjects.key, subjectColumn: subjects.key))
        }
        for target in subjects.targets where schema.table(of: target)?.identifier == table.identifier {
            for match in target.match where !matches.contains(match) && table.column(match.column) != nil { matches.append(match) }
        }
        guard !matches.isEmpty else { return nil }
        if table.distribution.isCitus {
            return reading.citusHeld ? PersonHolds(matches: matches, reading: reading, keepsEveryRow: true) : nil
        }
        return PersonHolds(matches: matches, reading: reading, keepsEveryRow: false)
    }

    /// Rows of a person under a hold in force; never NULL. `column` writes a column of the row.
    func heldPredicate(_ column: (String) -> String) -> String {
        if keepsEveryRow { return "true" }
        switch reading {
        case .byHMAC:
            let held = matches.map { match in
                let hmac = HMACPads.sql(message: "convert_to(\(column(match.column))::text, 'UTF8')")
                return "coalesce(\(hmac) IN (SELECT v.hmac FROM \(Self.valuesInForce) AND v.subject_column = \(Self.literal(match.subjectColumn))), false)"
            }
            return held.count == 1 ? held[0] : "(" + held.joined(separator: " OR ") + ")"
        case .everyRowWhileAnyHold:
            return Self.anyInForce
        }
    }

    /// Whether any hold on a person is in force.
    static let anyInForce = "EXISTS (SELECT 1 FROM retention.legal_holds h WHERE h.released_at IS NULL AND h.subject_column IS NOT NULL)"

    /// The stored HMACs (`v`) of the holds on persons in force, as a FROM clause open for more conditions.
    static let valuesInForce = "retention.legal_hold_values v JOIN retention.legal_holds h ON h.hold_id = v.hold_id WHERE h.released_at IS NULL"

    /// `text` as an SQL string literal (a column name of the policy).
    private static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}
