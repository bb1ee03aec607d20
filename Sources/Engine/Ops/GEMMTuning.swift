import OpenCLKit

/// Tile sizes of the packed GEMM kernel, compiled in as `-D` constants. A tuner may pick
/// them per device; the device profile gives a sound starting point.
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

    /// The device's own profile's GEMM tiles (see `DeviceProfile`).
    public static func defaults(for device: Device) -> GEMMTuning { DeviceProfile.defaults(for: device).gemmTiles }

    /// The device's own profile's starting tiles for one product (see `DeviceProfile.tiles(for:)`).
    public static func defaults(for device: Device, product: TunedProduct) -> GEMMTuning {
        DeviceProfile.defaults(for: device).tiles(for: product)
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
