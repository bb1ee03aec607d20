// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "pneumo",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pneumo", targets: ["pneumo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        // Already used by Hummingbird; named so the server can read NIO's errors (bind, HTTP parsing).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.60.0"),
        // The server's structured log and its Prometheus metrics.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // ONNX export: the message types generated once from onnx.proto (Scripts/generate-onnx-proto.sh).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // C APIs, found through pkg-config.
        .systemLibrary(
            name: "COpenCL", path: "Sources/COpenCL", pkgConfig: "OpenCL",
            providers: [.apt(["ocl-icd-opencl-dev", "opencl-headers"])]),
        .systemLibrary(
            name: "CTurboJPEG", path: "Sources/CTurboJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        // Open MPI, for data-parallel training under mpirun; its handles are wrapped in shim.h.
        .systemLibrary(
            name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),

        // DICOM through GDCM (Debian's libgdcm-dev), behind a plain C API. GDCM ships no
        // pkg-config file, so its header folder is named here; the path is Debian's.
        .target(
            name: "CDICOM", path: "Sources/CDICOM",
            cxxSettings: [.unsafeFlags(["-I/usr/include/gdcm-3.0"])],
            linkerSettings: [.linkedLibrary("gdcmMSFF"), .linkedLibrary("gdcmDSED"), .linkedLibrary("gdcmCommon")]),

        // Embeds Kernels/*.cl into the Engine module at build time.
        .executableTarget(name: "EmbedKernels", path: "Sources/EmbedKernels"),
        .plugin(name: "KernelEmbedder", capability: .buildTool(), dependencies: ["EmbedKernels"],
                path: "Plugins/KernelEmbedder"),

        // The seeded random generator every seeded result comes from (weights, splits, orders).
        .target(name: "SeededRandom"),
        // OpenCL host layer: devices, programs, kernels, buffers, events. Knows no neural networks.
        .target(name: "OpenCLKit", dependencies: ["COpenCL"]),
        // Tensors, layers, losses, optimizers on top of the host layer. Knows no X-rays, and does
        // not re-export the host layer: modules that use its types import it.
        .target(name: "Engine", dependencies: ["OpenCLKit", "SeededRandom"], plugins: ["KernelEmbedder"]),
        // What measures the engine: GEMM benchmarks, the CLBlast comparison, the tuners that race
        // tile configurations and convolution algorithms, and writing their choices to the store.
        .target(name: "EngineTuning", dependencies: ["Engine", "OpenCLKit"]),
        // JPEG and DICOM decoding, dataset layout, splits, caching, batching.
        .target(name: "PneumoData", dependencies: ["CTurboJPEG", "CDICOM", "SeededRandom"]),
        // ONNX's message types, generated from onnx.proto and committed (the build plugin is slow).
        .target(name: "ONNXProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // Models, training loop, metrics, reports, checkpoints, ONNX export.
        .target(name: "PneumoApp", dependencies: [
            "Engine", "EngineTuning", "OpenCLKit", "PneumoData", "CZlib", "CMPI", "ONNXProto",
            .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        // The web page and JSON API.
        .target(name: "PneumoServe", dependencies: [
            "PneumoApp", "OpenCLKit",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // Decode and cache benchmark driven by Scripts/decode_bench.sh.
        .executableTarget(name: "DecodeBench", dependencies: ["PneumoData"]),
        // The command line; thin.
        .executableTarget(name: "pneumo", dependencies: [
            "Engine", "EngineTuning", "OpenCLKit", "PneumoApp", "PneumoServe",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "SeededRandomTests", dependencies: ["SeededRandom"]),
        .testTarget(name: "OpenCLKitTests", dependencies: ["OpenCLKit"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "OpenCLKit"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EngineTuningTests", dependencies: ["EngineTuning", "Engine", "OpenCLKit"]),
        .testTarget(name: "PneumoDataTests", dependencies: ["PneumoData"]),
        .testTarget(name: "PneumoAppTests", dependencies: [
            "PneumoApp", "OpenCLKit", "SeededRandom", "CZlib", "ONNXProto", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        .testTarget(name: "PneumoServeTests", dependencies: [
            "PneumoServe", "OpenCLKit", "SeededRandom",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Parsing of the command line: option values, option groups, --version.
        .testTarget(name: "PneumoCLITests", dependencies: ["pneumo", "PneumoApp"]),
    ],
    swiftLanguageModes: [.v5]
)
