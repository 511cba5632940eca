// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "retention",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "retention", targets: ["retention"]),
        .executable(name: "retention-bench", targets: ["retention-bench"]),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(name: "Postgres", dependencies: ["CLibPQ"]),
        .target(name: "RetentionCore", dependencies: ["Postgres"]),
        .target(name: "RetentionCLI", dependencies: ["RetentionCore", "Postgres"]),
        .executableTarget(name: "retention", dependencies: ["RetentionCLI"]),
        .executableTarget(name: "retention-bench", dependencies: ["RetentionCore", "Postgres"]),
        .target(name: "TestSupport", dependencies: ["Postgres"], path: "Tests/TestSupport"),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "RetentionCoreTests", dependencies: ["RetentionCore", "Postgres", "TestSupport"]),
        .testTarget(name: "RetentionCLITests", dependencies: ["RetentionCLI", "RetentionCore", "Postgres", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
