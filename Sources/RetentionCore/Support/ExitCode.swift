/// The process exit codes, in one place (docs/commands.md, "Exit codes").
public enum ExitCode: Int32, Sendable {
    /// Every rule succeeded.
    case success = 0
    /// A rule failed, or the run stopped early (signal or `--max-runtime`) and due rows are left.
    case failure = 1
    /// A usage or policy error: nothing was done.
    case usage = 2
    /// Another run holds the lock: nothing was done.
    case locked = 75
}
