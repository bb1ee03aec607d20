import OpenCLKit

/// The `.cl` files embedded at build time, built on demand per device and options.
public enum KernelLibrary {
    /// File names of every embedded kernel source, e.g. `gemm.cl`.
    public static var files: [String] { EmbeddedKernels.sources.keys.sorted() }

    /// The text of one embedded kernel file.
    public static func source(_ file: String) throws -> String {
        guard let source = EmbeddedKernels.sources[file] else { throw EngineError.missingKernelSource(file) }
        return source
    }

    /// Turns shape constants into `-D NAME=value` options, sorted so equal sets give equal keys.
    public static func options(_ defines: [String: Int], extra: String = "") -> String {
        let parts = defines.sorted { $0.key < $1.key }.map { "-D \($0.key)=\($0.value)" }
        return (parts + (extra.isEmpty ? [] : [extra])).joined(separator: " ")
    }
}

extension ComputeContext {
    /// The kernel `name` from the embedded file `file`, built with `defines` as `-D` options.
    public func kernel(_ file: String, _ name: String, defines: [String: Int] = [:]) throws -> Kernel {
        let source = try KernelLibrary.source(file)
        return try program(source: source, label: file, options: KernelLibrary.options(defines)).kernel(name)
    }
}

/// Rounds `value` up to a multiple of `multiple`.
@inline(__always)
public func roundUp(_ value: Int, to multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }
