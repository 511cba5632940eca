import RetentionCore
/// The HMAC-SHA256 key pads, for the plain-SQL reference statement.
struct HMACPads { let inner: String; let outer: String
  init(key: PseudonymKey) { inner = ""; outer = "" } }
