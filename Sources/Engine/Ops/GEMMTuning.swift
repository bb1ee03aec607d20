import COpenCL
import OpenCLKit

/// Tile sizes of the packed GEMM kernel, compiled in as `-D` constants. A tuner may pick
/// them per device; `defaults(for:)` gives a sound starting point.
public struct GEMMTuning: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Rows of C each work-item computes (TM).
    public var tileRows: Int
    /// Columns of C each work-item computes (TN); a multiple of `vectorWidth`.
    public var tileColumns: Int
    /// Width of the vector loads and FMAs (VW): 1, 2, 4, 8 or 16.
    public var vectorWidth: Int
    /// Work-items per work-group along the row tiles.
    public var localSize: Int

    public init(tileRows: Int, tileColumns: Int, vectorWidth: Int, localSize: Int = 1) {
        self.tileRows = tileRows
        self.tileColumns = tileColumns
        self.vectorWidth = vectorWidth
        self.localSize = localSize
    }

    /// CPU: a 6 x 64 block in 24 AVX-512 registers per work-item (4 vector loads and 6
    /// broadcasts per 24 FMAs), one work-item per group (PoCL spreads groups over its threads).
    /// Measured on PoCL/AVX-512 at 1024^3 it edged out 12 x 32, 8 x 32 and 4 x 64.
    /// GPU: small blocks so many work-items stay resident (untuned).
    /// CPUs whose driver prefers narrower vectors (AVX2: 8 floats, 16 registers) get a 6 x 16
    /// block of 8-wide vectors instead, which fits their registers.
    public static func defaults(for device: Device) -> GEMMTuning {
        switch device.kind {
        case .cpu:
            return device.preferredFloatVectorWidth >= 16
                ? GEMMTuning(tileRows: 6, tileColumns: 64, vectorWidth: 16, localSize: 1)
                : GEMMTuning(tileRows: 6, tileColumns: 16, vectorWidth: 8, localSize: 1)
        default: return GEMMTuning(tileRows: 4, tileColumns: 8, vectorWidth: 4, localSize: 32)
        }
    }

    /// The starting point for one product: for the direct convolution on AVX-512 CPUs, 8 x 48
    /// blocks (4 x 64 when there are at most 16 output channels), which the tuner found
    /// ahead of the GEMM's 6 x 64 on every convolution of the built-in models; otherwise
    /// `defaults(for:)`.
    public static func defaults(for device: Device, product: TunedProduct) -> GEMMTuning {
        let general = defaults(for: device)
        guard product.kernel == .convolution, device.kind == .cpu, general.vectorWidth == 16 else { return general }
        return product.m <= 16
            ? GEMMTuning(tileRows: 4, tileColumns: 64, vectorWidth: 16, localSize: 1)
            : GEMMTuning(tileRows: 8, tileColumns: 48, vectorWidth: 16, localSize: 1)
    }

    /// Throws when the combination cannot compile or run.
    public func validate() throws {
        guard [1, 2, 4, 8, 16].contains(vectorWidth) else {
            throw EngineError.invalidConfiguration("GEMM vectorWidth \(vectorWidth): use 1, 2, 4, 8 or 16")
        }
        guard tileRows >= 1, tileRows <= 32 else {
            throw EngineError.invalidConfiguration("GEMM tileRows \(tileRows): use 1 to 32")
        }
        guard tileColumns >= vectorWidth, tileColumns % vectorWidth == 0, tileColumns <= 128 else {
            throw EngineError.invalidConfiguration(
                "GEMM tileColumns \(tileColumns): use a multiple of vectorWidth \(vectorWidth), at most 128")
        }
        guard localSize >= 1, localSize <= 1024 else {
            throw EngineError.invalidConfiguration("GEMM localSize \(localSize): use 1 to 1024")
        }
    }

    var defines: [String: Int] { ["TM": tileRows, "TN": tileColumns, "VW": vectorWidth] }

    public var description: String { "TM=\(tileRows) TN=\(tileColumns) VW=\(vectorWidth) local=\(localSize)" }
}

extension Device {
    /// The driver's preferred float vector width (16 for AVX-512 CPUs under PoCL, 8 for AVX2);
    /// 4 when the driver does not say.
    var preferredFloatVectorWidth: Int {
        var width: cl_uint = 0
        let status = clGetDeviceInfo(id, cl_device_info(CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT), MemoryLayout<cl_uint>.size, &width, nil)
        return status == CL_SUCCESS && width > 0 ? Int(width) : 4
    }
}
