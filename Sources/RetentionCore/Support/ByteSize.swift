/// Reads a size of the command line, as PostgreSQL writes memory settings: `64MB`, `1GB`,
/// `512kB`, or a plain number of bytes. Units are powers of 1024 (`kB`, `MB`, `GB`, `TB`,
/// also `B`); case does not matter.
public enum ByteSize {
    public static func bytes(_ text: String) -> Int64? {
        let digits = text.prefix { $0.isASCIIDigit }
        guard !digits.isEmpty, let value = Int64(digits), value > 0 else { return nil }
        let unit = text.dropFirst(digits.count).lowercased()
        let shifts: [String: Int64] = ["": 0, "b": 0, "kb": 10, "mb": 20, "gb": 30, "tb": 40]
        guard let shift = shifts[unit] else { return nil }
        let (result, overflow) = value.multipliedReportingOverflow(by: Int64(1) << shift)
        return overflow ? nil : result
    }

    /// `1.5 MB`, `512 kB`: a size for people.
    public static func text(_ bytes: Int64) -> String {
        let units: [(String, Double)] = [("TB", 0x1p40), ("GB", 0x1p30), ("MB", 0x1p20), ("kB", 0x1p10)]
        for (name, size) in units where Double(bytes) >= size {
            return String(format: "%.1f", Double(bytes) / size) + " " + name
        }
        return "\(bytes) B"
    }
}
