import OpenCLKit

/// The choices the ops make per device, as named numbers instead of `if device.kind` branches:
/// tile sizes, algorithm thresholds, work-group sizes and kernel variants. Each device kind has
/// defaults (`cpu(vectorWidth:)`, `gpu`); `pneumo bench --tune` stores a tuned copy per device,
/// and `PNEUMO_DEVICE_PROFILE=cpu|gpu` forces either family on any device, so the GPU variants
/// run in tests on a CPU driver.
public struct DeviceProfile: Codable, Sendable, Equatable {
    /// The device family whose kernel variants these are.
    public enum Family: String, Codable, Sendable, CaseIterable {
        case cpu, gpu
    }

    /// Which family's defaults this profile started from.
    public var family: Family

    // MARK: Matrix products

    /// Tiles of the packed GEMM for products with no tuned choice.
    public var gemmTiles: GEMMTuning
    /// Tiles of the direct convolution kernels; nil: `gemmTiles`.
    public var directTiles: GEMMTuning?
    /// Tiles of the direct convolution for layers with at most `fewFiltersLimit` output channels; nil: `directTiles`.
    public var directTilesFewFilters: GEMMTuning?
    /// Output channels up to which `directTilesFewFilters` applies.
    public var fewFiltersLimit: Int

    // MARK: Convolution algorithm choice

    /// Below this share of useful positions per tile, a stride-1 pass leaves the direct kernels for im2col + GEMM.
    public var directUtilizationLimit: Double
    /// Output planes at least this large take the direct weight gradient; smaller ones go through a GEMM.
    public var directWeightGradientPixels: Int
    /// Tuned algorithm per convolution pass and shape (`ConvolutionChoiceKey`), ahead of the rule above.
    public var convolutionAlgorithms: [String: String]
    /// Winograd's forward and input-gradient passes transform their tiles inside the products
    /// (`winograd_fused`: one work-item per 16 tiles, its scratch in local memory, which a CPU
    /// driver keeps in the core's cache); else, or when nil, through memory around a batched GEMM.
    public var fusedWinogradTransforms: Bool?
    /// With fused transforms, the untuned rule gives Winograd the fused passes with at least
    /// this many channels in and out; nil: never.
    public var winogradMinimumChannels: Int?
    /// With fused transforms, the untuned rule gives Winograd the weight gradients of layers
    /// with at least `winogradMinimumChannels` channels and output planes of at most this many pixels; nil: never.
    public var winogradWeightGradientPixels: Int?
    /// With fused transforms, the untuned rule also gives Winograd the weight gradients its
    /// fused kernel takes (input channels in sixteens, sums within local memory) with at least
    /// this many input channels; nil: never.
    public var fusedWinogradWeightGradientChannels: Int?

    // MARK: Work-group sizes

    /// Work-items per group of the direct weight-gradient kernels; nil: the tile configuration's `localSize`.
    public var weightGradientGroupSize: Int?
    /// Positions each weight-gradient work-item should walk, so its loop and not its launch dominates.
    public var weightGradientPositions: Int
    /// Work-items per group of the ordered sum of partial weight gradients (capped by the device).
    public var partialSumGroupSize: Int
    /// Work-items per group along the patch rows of the im2col kernels.
    public var im2colGroupSize: Int
    /// Row copies (padding, pooling rows): about this many work-items per compute unit, several rows
    /// each, one per group; nil: one row per work-item in groups of `rowGroupSize`.
    public var rowItemsPerComputeUnit: Int?
    /// Work-items per group of the row copies when `rowItemsPerComputeUnit` is nil (capped by the device).
    public var rowGroupSize: Int

    // MARK: Normalisation

    /// Batch statistics in one pass of per-run moments (else a pass for the mean, one for the variance).
    public var onePassStatistics: Bool
    /// Each work-item of `norm.cl` walks a contiguous run of a plane (else strided loops, coalesced on GPUs).
    public var contiguousRuns: Bool
    /// Largest group of the statistics reductions; nil: the largest power of two up to 256 the device allows.
    public var statisticsGroupLimit: Int?

    /// CPU defaults: large register blocks of the driver's vector width, one work-item per group,
    /// contiguous runs and one-pass statistics. Measured with PoCL on 2 cores (see the ops).
    public static func cpu(vectorWidth: Int) -> DeviceProfile {
        let wide = vectorWidth >= 16
        return DeviceProfile(
            family: .cpu,
            // 6 x 64 in 24 AVX-512 registers edged out 12 x 32, 8 x 32 and 4 x 64 at 1024^3; AVX2 gets 6 x 16 of 8-wide vectors.
            gemmTiles: wide ? GEMMTuning(tileRows: 6, tileColumns: 64, vectorWidth: 16) : GEMMTuning(tileRows: 6, tileColumns: 16, vectorWidth: 8),
            // The tuner found 8 x 48 (4 x 64 up to 16 channels) ahead of 6 x 64 on every built-in convolution.
            directTiles: wide ? GEMMTuning(tileRows: 8, tileColumns: 48, vectorWidth: 16) : nil,
            directTilesFewFilters: wide ? GEMMTuning(tileRows: 4, tileColumns: 64, vectorWidth: 16) : nil,
            fewFiltersLimit: 16,
            directUtilizationLimit: 0.75,
            // pneumonet's backward: at 16 x 16 the direct kernel takes 10-12% of the step against 16% for
            // im2col + GEMM; at 8 x 8 it loses (17% against 12%).
            directWeightGradientPixels: 200,
            convolutionAlgorithms: [:],
            // Fused, 1.2-2.4x faster than the direct kernels on pneumonet's deeper layers (three idle
            // runs), where through memory it was up to 5x slower.
            fusedWinogradTransforms: true,
            // From loaded runs, where pneumonet's 16-channel layer at 64 x 64 won 1.1-1.4x; idle, it
            // ties or loses slightly (0.78-1.08x). The weight gradient through memory wins at 8 x 8
            // (1.6-1.7x idle) and 16 x 16 (1.2-2.2x loaded), loses above.
            winogradMinimumChannels: 16,
            winogradWeightGradientPixels: 256,
            // Fused, 1.1-1.4x faster than the direct kernel from 32 channels; 0.7x at 16 (idle runs).
            fusedWinogradWeightGradientChannels: 32,
            weightGradientGroupSize: 1,
            weightGradientPositions: 4096,
            partialSumGroupSize: 64,
            im2colGroupSize: 16,
            rowItemsPerComputeUnit: 16,
            rowGroupSize: 64,
            onePassStatistics: true,
            contiguousRuns: true,
            // A few long runs per group beat many short ones, whose tree reduction costs as much as the sums.
            statisticsGroupLimit: 16)
    }

    /// GPU defaults (untuned): small register blocks in wide groups so many work-items stay
    /// resident, coalesced strided loops and two-pass statistics.
    public static var gpu: DeviceProfile {
        DeviceProfile(
            family: .gpu,
            gemmTiles: GEMMTuning(tileRows: 4, tileColumns: 8, vectorWidth: 4, localSize: 32),
            directTiles: nil,
            directTilesFewFilters: nil,
            fewFiltersLimit: 16,
            directUtilizationLimit: 0.75,
            directWeightGradientPixels: 200,
            convolutionAlgorithms: [:],
            // The fused kernels are a CPU design (one work-item per 16 tiles, local memory as a
            // per-thread cache), never run on a GPU here.
            fusedWinogradTransforms: false,
            winogradMinimumChannels: nil,
            winogradWeightGradientPixels: nil,
            fusedWinogradWeightGradientChannels: nil,
            weightGradientGroupSize: nil,
            weightGradientPositions: 4096,
            partialSumGroupSize: 64,
            im2colGroupSize: 16,
            rowItemsPerComputeUnit: nil,
            rowGroupSize: 64,
            onePassStatistics: false,
            contiguousRuns: false,
            statisticsGroupLimit: nil)
    }

    /// The defaults of `family` for `device` (vector widths come from its driver).
    public static func defaults(_ family: Family, for device: Device) -> DeviceProfile {
        family == .cpu ? cpu(vectorWidth: device.preferredFloatVectorWidth) : gpu
    }

    /// The defaults of the device's own family: CPU devices get the CPU profile, all others the GPU one.
    public static func defaults(for device: Device) -> DeviceProfile {
        defaults(device.kind == .cpu ? .cpu : .gpu, for: device)
    }

    /// The starting tiles for one product: the direct convolution's own where the profile has
    /// them, else `gemmTiles`.
    public func tiles(for product: TunedProduct) -> GEMMTuning {
        guard product.kernel == .convolution else { return gemmTiles }
        let few = product.m <= fewFiltersLimit ? directTilesFewFilters : nil
        return few ?? directTiles ?? gemmTiles
    }

    /// Throws when a number cannot work (a stored profile edited by hand, say).
    public func validate() throws {
        for tiles in [gemmTiles, directTiles, directTilesFewFilters].compactMap({ $0 }) { try tiles.validate() }
        let sizes = [weightGradientPositions, partialSumGroupSize, im2colGroupSize, rowGroupSize, fewFiltersLimit]
            + [weightGradientGroupSize, rowItemsPerComputeUnit, statisticsGroupLimit].compactMap { $0 }
        guard sizes.allSatisfy({ $0 >= 1 }), directWeightGradientPixels >= 0, (0...1).contains(directUtilizationLimit) else {
            throw EngineError.invalidConfiguration("device profile has a size below 1 or a utilisation limit outside 0...1: \(self)")
        }
        if let limit = statisticsGroupLimit, limit & (limit - 1) != 0 {
            throw EngineError.invalidConfiguration("device profile statisticsGroupLimit \(limit) must be a power of two")
        }
    }
}
