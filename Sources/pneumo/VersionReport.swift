import Engine
import Foundation
import OpenCLKit
import PneumoApp

/// What `pneumo --version` prints: the product, the engine, and the native libraries found.
enum VersionReport {
    /// The report's lines; finding no OpenCL platform or no TurboJPEG is reported, never fatal.
    static func lines() -> [String] {
        ["pneumo \(ProductVersion.current)", "engine \(ProductVersion.engine)"] + openCLLines() + [turboJPEGLine()]
    }

    static func openCLLines() -> [String] {
        let loader = LoadedLibraries.path(startingWith: "libOpenCL").map { " (ICD loader \($0))" } ?? ""
        let platforms: [Platform]
        do {
            platforms = try Platform.all()
        } catch {
            return ["OpenCL\(loader): cannot list platforms: \(error)"]
        }
        guard !platforms.isEmpty else {
            return ["OpenCL\(loader): no platform found; install pocl-opencl-icd for the CPU, or your GPU vendor's OpenCL driver"]
        }
        return ["OpenCL\(loader): \(platforms.count) platform(s)"] + platforms.map { platform in
            let devices = (try? platform.devices().count).map { "\($0) device(s)" } ?? "devices unreadable"
            return "  \(platform.index): \(platform.name), \(platform.version) (\(platform.vendor)), \(devices)"
        }
    }

    static func turboJPEGLine() -> String {
        // turbojpeg.h carries no version macro, so the library file name (libturbojpeg.so.0.2.0) tells it.
        guard let path = LoadedLibraries.path(startingWith: "libturbojpeg") else {
            return "TurboJPEG: library not found in this process"
        }
        return "TurboJPEG: \(URL(fileURLWithPath: path).lastPathComponent) (\(path))"
    }
}
