import Postgres

/// Gives one session the HMAC pads that `HMACPads.sql` reads, without them appearing in any
/// statement text or parameter: the data of `COPY FROM STDIN` is never logged.
extension HMACPads {
    /// Creates the session's temporary pad table and copies the pads into it.
    public func load(into connection: Connection) throws {
        try connection.execute("CREATE TEMPORARY TABLE \(HMACPads.table) (inner_pad bytea NOT NULL, outer_pad bytea NOT NULL)")
        try connection.copyIn("COPY \(HMACPads.table) (inner_pad, outer_pad) FROM STDIN (FORMAT csv)",
                              data: Array("\\x\(inner),\\x\(outer)\n".utf8))
    }
}
