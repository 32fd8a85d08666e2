// swift-tools-version:6.2
import PackageDescription

/// Explicit, minimal public surfaces, as in Hummingbird 2.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// The dashboard's resource files (Cloud/CloudWeb/Resources), each embedded in the binary as `PackageResources.<file>`.
let dashboardResources =
    ["dashboard.css", "dashboard.js", "sw.js", "strings/en.json", "strings/de.json", "strings/fr.json"].map { "Resources/\($0)" }
    + [
        "access", "availability", "loginCode", "twoFactor", "campaign", "cards", "configuration", "error", "eventTable", "events",
        "firmware",
        "fleet", "group", "groups", "home", "homeSites", "layout", "loadSettings", "login", "newPassword",
        "notifications", "organization", "passwordReset", "reports", "roaming", "roamingPartner", "rules", "session", "sessions",
        "site",
        "siteCredentials", "siteNew", "statement", "statements", "station", "stationRegistration", "tariff", "tariffs",
        "topology", "topologyStation",
        "unsubscribe", "user",
        "vehicles",
    ].map { "Resources/templates/\($0).mustache" }

let package = Package(
    name: "gridside",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gridside-edge", targets: ["gridside-edge"]),
        .executable(name: "gridside-sim", targets: ["gridside-sim"]),
        .executable(name: "gridside-bench", targets: ["gridside-bench"]),
        .executable(name: "gridside-cloud", targets: ["gridside-cloud"]),
        .executable(name: "gridside-cloud-bench", targets: ["gridside-cloud-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // MARK: Common: shared by edge and cloud
        .target(
            name: "WireJSON",
            path: "Common/WireJSON",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BatchTransaction",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")],
            path: "Common/BatchTransaction",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AsyncSupport",
            path: "Common/AsyncSupport",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OCPP",
            dependencies: ["WireJSON"],
            path: "Common/OCPP",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SiteModel",
            path: "Common/SiteModel",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Pricing",
            path: "Common/Pricing",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ConfigReading",
            dependencies: [.product(name: "Yams", package: "Yams")],
            path: "Common/ConfigReading",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SyncContract",
            dependencies: ["OCPP", "SiteModel", "WireJSON"],
            path: "Common/SyncContract",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServerSupport",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Common/ServerSupport",
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CMosquitto",
            path: "Common/CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        .target(
            name: "MQTT",
            dependencies: [
                "CMosquitto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Common/MQTT",
            swiftSettings: swiftSettings
        ),

        // MARK: Edge: the site daemon and its tools
        .target(
            name: "EdgeConfig",
            dependencies: [
                "SiteModel", "Meters", "LoadManagement", "MQTT", "ConfigReading",
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Edge/EdgeConfig",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LoadManagement",
            dependencies: ["Meters"],
            path: "Edge/LoadManagement",
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CModbus",
            path: "Edge/CModbus",
            pkgConfig: "libmodbus",
            providers: [.apt(["libmodbus-dev"])]
        ),
        .target(
            name: "Meters",
            path: "Edge/Meters",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MeterIO",
            dependencies: [
                "CModbus", "Meters",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Edge/MeterIO",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EdgeStore",
            dependencies: [
                "BatchTransaction", "SiteModel", "SyncContract",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Edge/EdgeStore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CentralSystem",
            dependencies: [
                "OCPP", "WireJSON", "LoadManagement", "SiteModel", "EdgeConfig", "EdgeStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Edge/CentralSystem",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LoadControl",
            dependencies: [
                "EdgeConfig", "CentralSystem", "LoadManagement", "Meters", "MeterIO", "SyncContract",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Edge/LoadControl",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EdgeSync",
            dependencies: [
                "AsyncSupport", "SiteModel", "SyncContract", "MQTT", "EdgeConfig", "EdgeStore", "CentralSystem",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Edge/EdgeSync",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EdgeServer",
            dependencies: [
                "OCPP", "SiteModel", "EdgeConfig", "EdgeStore", "CentralSystem", "LoadControl", "LoadManagement", "Meters",
                "MeterIO", "SyncContract", "ConfigReading", "ServerSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Edge/EdgeServer",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EdgeApp",
            dependencies: [
                "SiteModel", "EdgeConfig", "EdgeStore", "CentralSystem", "LoadControl", "LoadManagement", "Meters", "MeterIO",
                "EdgeSync", "EdgeServer", "SyncContract", "ConfigReading",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Edge/EdgeApp",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "gridside-edge",
            dependencies: [
                "EdgeApp", "LoadManagement", "EdgeConfig", "EdgeStore", "Meters", "ConfigReading",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Edge/gridside-edge",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ChargerSimulator",
            dependencies: [
                "OCPP", "SiteModel", "Meters", "MeterIO",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Edge/ChargerSimulator",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "gridside-sim",
            dependencies: [
                "ChargerSimulator", "SiteModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tools/gridside-sim",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "gridside-bench",
            dependencies: [
                "OCPP", "WireJSON", "SyncContract", "LoadManagement",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/gridside-bench",
            swiftSettings: swiftSettings
        ),

        // MARK: Cloud: the aggregator
        .target(
            name: "CloudStore",
            dependencies: [
                "BatchTransaction", "Pricing", "SyncContract", "SiteModel", "WireJSON",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Cloud/CloudStore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloudIngest",
            dependencies: [
                "AsyncSupport", "SyncContract", "SiteModel", "MQTT", "CloudStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Cloud/CloudIngest",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloudBilling",
            dependencies: [
                "CloudStore", "Pricing", "WireJSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Cloud/CloudBilling",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloudNotify",
            dependencies: [
                "CloudStore", "CloudCore", "CloudReports", "SyncContract",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Cloud/CloudNotify",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloudReports",
            dependencies: [
                "CloudStore", "Pricing",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Cloud/CloudReports",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloudCore",
            dependencies: [
                "OCPP", "Pricing", "WireJSON", "CloudReports", "SyncContract", "SiteModel", "CloudStore", "CloudFirmware",
                "CloudBilling", "ServerSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Cloud/CloudCore",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloudAPI",
            dependencies: [
                "OCPP", "Pricing", "CloudBilling", "CloudReports", "SyncContract", "SiteModel", "CloudStore", "CloudIngest",
                "CloudFirmware", "CloudOCPI",
                "CloudCore",
                "ServerSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Cloud/CloudAPI",
            // The OpenAPI document, the API's one description, compiled into the binary.
            resources: [.embedInCode("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloudFirmware",
            dependencies: [
                "SyncContract", "CloudStore", "CloudIngest",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Cloud/CloudFirmware",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloudOCPI",
            dependencies: [
                "CloudStore", "CloudCore", "CloudBilling", "Pricing", "ServerSupport", "SyncContract", "SiteModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Cloud/CloudOCPI",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloudWeb",
            dependencies: [
                "SyncContract", "CloudBilling", "CloudReports", "Pricing", "CloudStore", "CloudIngest", "CloudCore",
                "CloudFirmware", "CloudOCPI",
                "ServerSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Cloud/CloudWeb",
            // Templates, stylesheet, script and the three languages' strings, compiled into the binary.
            resources: dashboardResources.map { .embedInCode($0) },
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CloudApp",
            dependencies: [
                "ConfigReading", "MQTT", "CloudStore", "CloudIngest", "CloudCore", "CloudAPI", "CloudWeb", "CloudFirmware",
                "CloudOCPI", "SyncContract",
                "ServerSupport", "CloudBilling", "CloudReports", "CloudNotify", "Pricing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Cloud/CloudApp",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "gridside-cloud",
            dependencies: [
                "CloudApp", "CloudCore", "CloudAPI", "CloudStore", "CloudWeb", "ConfigReading", "SyncContract", "MQTT",
                "CloudReports",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Cloud/gridside-cloud",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "gridside-cloud-bench",
            dependencies: [
                "Pricing", "CloudReports", "CloudCore", "CloudAPI", "CloudStore", "CloudWeb", "SyncContract", "SiteModel", "MQTT",
                "CloudOCPI", "CloudBilling",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tools/gridside-cloud-bench",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .target(
            name: "SeededRandom",
            path: "Tests/SeededRandom",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OCPPTests",
            dependencies: ["OCPP", "WireJSON", "SeededRandom"],
            path: "Tests/OCPPTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PricingTests",
            dependencies: ["Pricing", "WireJSON", "SeededRandom"],
            path: "Tests/PricingTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EdgeTests",
            dependencies: [
                "OCPP", "SiteModel", "EdgeConfig", "EdgeStore", "CentralSystem", "EdgeServer", "EdgeApp", "ChargerSimulator",
                "LoadManagement", "LoadControl", "Meters", "MeterIO", "ConfigReading", "SyncContract",
                "SeededRandom",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Tests/EdgeTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SyncTests",
            dependencies: [
                "AsyncSupport", "BatchTransaction", "SyncContract", "MQTT", "EdgeStore", "EdgeSync", "SiteModel", "CloudStore",
                "CloudIngest", "CloudBilling", "Pricing", "CloudNotify",
                "CloudCore",
                "CloudAPI", "CloudWeb", "CloudOCPI",
                "CloudFirmware", "SeededRandom",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Tests/SyncTests",
            swiftSettings: swiftSettings
        ),
    ]
)
