import Foundation

/// Runs `body` while holding an exclusive `flock` on `path` (created when missing), so that two
/// processes sharing a state directory append and rename one at a time.
func withFileLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
    let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o640)
    guard descriptor >= 0 else { throw FileLockError(description: "could not open \"\(path)\": \(String(cString: strerror(errno)))") }
    defer { close(descriptor) }
    guard flock(descriptor, LOCK_EX) == 0 else { throw FileLockError(description: "could not lock \"\(path)\": \(String(cString: strerror(errno)))") }
    return try body()
}

/// A lock file could not be opened or locked.
public struct FileLockError: Error, Sendable, CustomStringConvertible {
    public let description: String
}
