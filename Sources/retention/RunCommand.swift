import RetentionCore
enum RunCommand { static func run(_ raw: [String]) throws -> ExitCode { .usage } }
