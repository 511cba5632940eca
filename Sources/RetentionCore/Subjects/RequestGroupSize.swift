/// How many erasure requests one group takes, so that a group's longest statement takes about
/// the run's target time (like the rules' slices): it starts small, at most doubles and at
/// least quarters from one group to the next, and stays between 1 and 1,000.
struct RequestGroupSize {
    private(set) var requests = 8

    static let largest = 1000

    /// Sizes the next group after one whose longest statement took `longest` seconds.
    mutating func adapt(longest: Double, target: Double) {
        let scaled = Double(requests) * target / max(longest, 0.0005)
        let next = min(max(scaled, Double(requests) / 4), Double(requests) * 2)
        requests = max(1, min(Int(next), Self.largest))
    }
}
