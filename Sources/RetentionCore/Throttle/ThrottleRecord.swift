/// What a rule waited for: the worst excess seen per source, in the order first met.
public struct ThrottleRecord: Sendable, Equatable {
    public private(set) var worst: [LagExcess] = []
    public var seconds: Double = 0

    public init() {}

    mutating func note(_ excess: LagExcess) {
        if let index = worst.firstIndex(where: { $0.source == excess.source }) {
            if excess.exceeds(worst[index]) { worst[index] = excess }
        } else {
            worst.append(excess)
        }
    }

    mutating func add(_ other: ThrottleRecord) {
        other.worst.forEach { note($0) }
        seconds += other.seconds
    }
}
