/// One backup set of a pgBackRest repository, as `pgbackrest info --output=json` describes it.
public struct BackupSet: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case full
        case diff
        case incr
    }

    public var label: String
    public var kind: Kind
    /// `timestamp.start`, in seconds since 1970: the instant the period counts from.
    public var start: Int64
    /// The sets a restore of this one also needs (`reference`); empty for a full backup.
    public var references: [String]
    /// The first WAL segment a restore of this set needs (`archive.start`).
    public var archiveStart: String?

    /// Whether this set cannot be restored without `other`, and so goes when `other` is expired.
    public func dependsOn(_ other: BackupSet) -> Bool { references.contains(other.label) }
}

/// What `pgbackrest info --output=json` says of one stanza in one repository: its backup sets,
/// oldest first, and the oldest WAL segment of each archive it holds.
public struct RepositoryInfo: Sendable, Equatable {
    public struct Archive: Sendable, Equatable {
        /// pgBackRest's archive id, such as `15-1`.
        public var id: String
        /// The oldest WAL segment kept; nil when the archive is empty.
        public var oldest: String?
    }

    public var sets: [BackupSet]
    public var archives: [Archive]

    public var fullSets: [BackupSet] { sets.filter { $0.kind == .full } }

    /// The WAL archives that hold a segment older than the first one the oldest backup needs:
    /// rows deleted since that segment was written are still in them.
    public var walOlderThanOldestBackup: [Archive] {
        let needed = sets.compactMap(\.archiveStart).min()
        return archives.filter { archive in
            guard let oldest = archive.oldest else { return false }
            guard let needed else { return true }
            // A WAL file name is timeline, log and segment in fixed-width hex: they sort as text.
            return oldest < needed
        }
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Reads `pgbackrest info --output=json --stanza=STANZA`. A stanza whose status is not ok
    /// ("no valid backups" aside) is an error carrying pgBackRest's message.
    public static func parse(_ text: String, stanza: String) throws -> RepositoryInfo {
        guard let value = try? JSONParser.parse(text), case let .array(stanzas) = value else {
            throw ParseError(description: "pgbackrest info printed no JSON array")
        }
        guard let entry = stanzas.first(where: { $0["name"] == .string(stanza) }) else {
            throw ParseError(description: "pgbackrest info does not list stanza \"\(stanza)\"")
        }
        if case let .number(code)? = entry["status"]?["code"], code != "0", code != "2" {
            let message = if case let .string(text)? = entry["status"]?["message"] { text } else { "?" }
            throw ParseError(description: "pgBackRest reports stanza \"\(stanza)\" as \(message) (status \(code)); check it with pgbackrest check")
        }
        var sets: [BackupSet] = []
        if case let .array(backups)? = entry["backup"] {
            for backup in backups {
                guard case let .string(label)? = backup["label"], case let .string(type)? = backup["type"], let kind = BackupSet.Kind(rawValue: type),
                      case let .number(start)? = backup["timestamp"]?["start"], let startSeconds = Int64(start) else {
                    throw ParseError(description: "pgbackrest info lists a backup without label, type or start")
                }
                let references: [String] = if case let .array(list)? = backup["reference"] {
                    list.compactMap { if case let .string(label) = $0 { label } else { nil } }
                } else { [] }
                let archiveStart: String? = if case let .string(segment)? = backup["archive"]?["start"] { segment } else { nil }
                sets.append(BackupSet(label: label, kind: kind, start: startSeconds, references: references, archiveStart: archiveStart))
            }
        }
        var archives: [Archive] = []
        if case let .array(list)? = entry["archive"] {
            for archive in list {
                guard case let .string(id)? = archive["id"] else { continue }
                let oldest: String? = if case let .string(segment)? = archive["min"] { segment } else { nil }
                archives.append(Archive(id: id, oldest: oldest))
            }
        }
        return RepositoryInfo(sets: sets.sorted { ($0.start, $0.label) < ($1.start, $1.label) }, archives: archives)
    }
}
