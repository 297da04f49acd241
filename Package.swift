// swift-tools-version:6.1
// Switchyard: a PostgreSQL wire-protocol proxy that routes, pools and fails over.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "switchyard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "switchyard", targets: ["switchyard"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        // MARK: - System libraries
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .target(name: "CSwitchyardSys", path: "Sources/CSwitchyardSys"),

        // MARK: - Pure core
        .target(name: "SwitchyardWire", swiftSettings: swiftSettings),
        .target(name: "SwitchyardSQL", swiftSettings: swiftSettings),
        .target(name: "SwitchyardRouting", dependencies: ["SwitchyardSQL"], swiftSettings: swiftSettings),
        .target(name: "SwitchyardConfig", dependencies: ["TOMLKit"], swiftSettings: swiftSettings),
        .target(name: "SwitchyardCrypto", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),
        .target(name: "SwitchyardHealth", swiftSettings: swiftSettings),
        .target(name: "SwitchyardAdmin", dependencies: ["SwitchyardWire"], swiftSettings: swiftSettings),
        .target(
            name: "SwitchyardShard", dependencies: ["SwitchyardSQL", "SwitchyardRouting", "SwitchyardWire"],
            swiftSettings: swiftSettings),
        .target(
            name: "SwitchyardSession",
            dependencies: [
                "SwitchyardWire", "SwitchyardSQL", "SwitchyardRouting", "SwitchyardCrypto",
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Edge
        .target(
            name: "SwitchyardIO",
            dependencies: ["CSwitchyardSys", "COpenSSL", "SwitchyardWire"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchyardLocal",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwitchyardDaemon",
            dependencies: [
                "SwitchyardWire", "SwitchyardSQL", "SwitchyardRouting", "SwitchyardConfig",
                "SwitchyardCrypto", "SwitchyardSession", "SwitchyardIO", "SwitchyardHealth", "SwitchyardAdmin",
                "SwitchyardShard",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "switchyard",
            dependencies: [
                "SwitchyardDaemon", "SwitchyardConfig", "SwitchyardRouting", "SwitchyardSQL", "SwitchyardLocal", "SwitchyardCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Test support and tests
        .target(
            name: "SwitchyardTesting",
            dependencies: ["CLibPQ", "SwitchyardLocal", "SwitchyardWire"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "SwitchyardWireTests", dependencies: ["SwitchyardWire", "SwitchyardTesting"],
                    resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "SwitchyardSQLTests", dependencies: ["SwitchyardSQL"], swiftSettings: swiftSettings),
        .testTarget(name: "SwitchyardRoutingTests", dependencies: ["SwitchyardRouting", "SwitchyardSQL"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "SwitchyardConfigTests", dependencies: ["SwitchyardConfig"], swiftSettings: swiftSettings),
        .testTarget(name: "SwitchyardSessionTests", dependencies: ["SwitchyardSession", "SwitchyardWire", "SwitchyardCrypto"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "SwitchyardHealthTests", dependencies: ["SwitchyardHealth"], swiftSettings: swiftSettings),
        .testTarget(name: "SwitchyardIOTests", dependencies: ["SwitchyardIO"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SwitchyardShardTests",
            dependencies: ["SwitchyardShard", "SwitchyardSQL", "SwitchyardRouting", "SwitchyardWire", "SwitchyardTesting"],
            swiftSettings: swiftSettings),
        .testTarget(name: "SwitchyardAdminTests", dependencies: ["SwitchyardAdmin", "SwitchyardWire"],
                    swiftSettings: swiftSettings),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["SwitchyardTesting", "SwitchyardDaemon", "SwitchyardConfig", "SwitchyardRouting", "SwitchyardSQL", "CLibPQ", "SwitchyardAdmin",
                           "SwitchyardShard"],
            swiftSettings: swiftSettings
        ),
    ]
)
