import Foundation

/// `purge-files`: removes the files under a directory that match a glob and are older than the
/// period, so that no backup older than it remains (a hard maximum age, not "keep at least").
///
/// Safety: never follows a symbolic link (neither the directory nor a file nor a subdirectory),
/// never leaves the directory, recurses only when the glob has a `/` in it (and never into hidden
/// directories), refuses relative paths and `/`, and reports a file or directory it could not
/// handle without stopping on it.
public struct FilePurge: Sendable {
    public let spec: FileSpec
    /// Files modified before this instant (seconds since 1970) are due.
    public let cutoff: Double
    public let dryRun: Bool

    public init(spec: FileSpec, cutoff: Double, dryRun: Bool) {
        self.spec = spec
        self.cutoff = cutoff
        self.dryRun = dryRun
    }

    /// One file the purge looked at.
    public struct FileOutcome: Sendable, Equatable {
        public enum State: String, Sendable { case removed, due, failed }
        /// The path relative to the directory.
        public var name: String
        public var bytes: Int64
        public var ageDays: Double
        public var state: State
        public var error: String?
    }

    public struct Outcome: Sendable {
        public var files: [FileOutcome]
        /// Matching files that are younger than the period and stay.
        public var kept: Int
        /// Matching entries that are symbolic links, left alone.
        public var skippedLinks: [String]
        /// Directories that could not be read; what is in them was not looked at.
        public var directoryErrors: [String] = []
        public var warnings: [String]

        public var matched: Int64 { Int64(files.count) }
        public var affected: Int64 { Int64(files.filter { $0.state == .removed }.count) }
        public var bytesFreed: Int64 { files.filter { $0.state == .removed }.reduce(0) { $0 + $1.bytes } }
        public var failures: [FileOutcome] { files.filter { $0.state == .failed } }
    }

    public struct PurgeError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public func run(now: Double = Date().timeIntervalSince1970) throws -> Outcome {
        let parts = spec.directory.split(separator: "/").filter { $0 != "." }
        guard spec.directory.hasPrefix("/"), !parts.isEmpty, !parts.contains("..") else {
            throw PurgeError(description: "refusing to purge in \"\(spec.directory)\": the directory must be an absolute path other than \"/\"")
        }
        let directory = "/" + parts.joined(separator: "/")
        // Every step below works relative to an open directory, never following a link, so that
        // swapping a directory for a symbolic link between a check and a removal leads nowhere.
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = errno == ELOOP || errno == ENOTDIR ? "is a symbolic link or not a directory; name the real backup directory" : String(cString: strerror(errno))
            throw PurgeError(description: "could not open directory \"\(directory)\": \(reason)")
        }
        var outcome = Outcome(files: [], kept: 0, skippedLinks: [], warnings: [])
        walk(descriptor, relative: "", recursive: spec.glob.contains("/"), now: now, into: &outcome)
        if outcome.kept == 0 {
            outcome.warnings.append("no file matching \"\(spec.glob)\" in \"\(directory)\" is younger than the period: \(outcome.files.isEmpty ? "there is no recent backup" : "after this purge there is no backup left"); check that backups are still being taken")
        }
        return outcome
    }

    /// Walks one open directory (and closes it): regular files that match and are old enough are
    /// removed with `unlinkat`; links are listed and left; hidden directories are not entered.
    private func walk(_ directory: Int32, relative: String, recursive: Bool, now: Double, into outcome: inout Outcome) {
        guard let stream = fdopendir(directory) else {
            close(directory)
            outcome.directoryErrors.append("\(relative.isEmpty ? "." : relative): could not list directory: \(String(cString: strerror(errno)))")
            return
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        for name in names.sorted() {
            let relativeName = relative.isEmpty ? name : relative + "/" + name
            var status = stat()
            guard fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                guard recursive, !name.hasPrefix(".") else { continue }
                let child = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if child < 0 {
                    outcome.directoryErrors.append("\(relativeName): could not open directory: \(String(cString: strerror(errno)))")
                    continue
                }
                walk(child, relative: relativeName, recursive: true, now: now, into: &outcome)
            case S_IFLNK:
                if matches(relativeName) { outcome.skippedLinks.append(relativeName) }
            case S_IFREG:
                guard matches(relativeName) else { continue }
                let modified = Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9
                guard modified < cutoff else {
                    outcome.kept += 1
                    continue
                }
                var file = FileOutcome(name: relativeName, bytes: Int64(status.st_size), ageDays: (now - modified) / 86400,
                                       state: .due, error: nil)
                if !dryRun {
                    if unlinkat(directory, name, 0) == 0 {
                        file.state = .removed
                    } else {
                        file.state = .failed
                        file.error = String(cString: strerror(errno))
                    }
                }
                outcome.files.append(file)
            default:
                continue
            }
        }
    }

    /// Whether a path relative to the directory matches the glob (`fnmatch` with `FNM_PATHNAME`
    /// and `FNM_PERIOD`: `*` never crosses a `/` and does not match a leading dot); a glob that
    /// starts with `**/` matches at any depth.
    func matches(_ relative: String) -> Bool {
        let flags = FNM_PATHNAME | FNM_PERIOD
        if spec.glob.hasPrefix("**/") {
            let rest = String(spec.glob.dropFirst(3))
            var candidate = Substring(relative)
            while true {
                if fnmatch(rest, String(candidate), flags) == 0 { return true }
                guard let slash = candidate.firstIndex(of: "/") else { return false }
                candidate = candidate[candidate.index(after: slash)...]
            }
        }
        return fnmatch(spec.glob, relative, flags) == 0
    }
}
