/// A matrix product as one kernel of the engine runs it, with the sizes that decide which
/// tile configuration is fastest.
public struct TunedProduct: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The kernel family that runs the product.
    public enum Kernel: String, Codable, Sendable, CaseIterable {
        /// `gemm_packed`: dense layers and other plain products.
        case gemm
        /// `conv_direct`: stride-1 convolution forward and backward to the input
        /// (m = output channels, n = output pixels per image, k = input channels x taps).
        case convolution
        /// `conv_weight_grad_direct`: stride-1 weight gradient (m = filters, n = C x taps, k = pixels per image).
        case convolutionWeights = "convolution-weights"
    }

    public var kernel: Kernel
    public var m: Int
    public var n: Int
    public var k: Int
    public var batch: Int

    public init(kernel: Kernel, m: Int, n: Int, k: Int, batch: Int = 1) {
        self.kernel = kernel
        self.m = m
        self.n = n
        self.k = k
        self.batch = batch
    }

    /// Multiply-adds times two.
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) * Double(batch) }

    public var shapeClass: ShapeClass { ShapeClass(self) }

    public var description: String { "\(kernel.rawValue) \(m)x\(n)x\(k)" + (batch > 1 ? " x\(batch)" : "") }
}

/// Products whose sizes fall in the same power-of-four buckets share a tile configuration.
public struct ShapeClass: Hashable, Codable, Sendable, CustomStringConvertible {
    public var kernel: TunedProduct.Kernel
    /// Upper bounds of the buckets of m, n and k (`Int.max` for the last bucket).
    public var m: Int
    public var n: Int
    public var k: Int

    /// Bucket bounds: 16, 64, 256, ... 65536, then everything larger.
    static let bounds = [16, 64, 256, 1024, 4096, 16384, 65536]

    public init(_ product: TunedProduct) {
        kernel = product.kernel
        m = ShapeClass.bucket(product.m)
        n = ShapeClass.bucket(product.n)
        k = ShapeClass.bucket(product.k)
    }

    static func bucket(_ size: Int) -> Int { bounds.first { size <= $0 } ?? Int.max }

    /// e.g. `gemm m<=64 n<=4096 k<=1024`; the key of the stored choice.
    public var description: String {
        func bound(_ value: Int) -> String { value == Int.max ? ">65536" : "<=\(value)" }
        return "\(kernel.rawValue) m\(bound(m)) n\(bound(n)) k\(bound(k))"
    }
}

/// The products a convolution's passes run, for tuning and for comparing with a BLAS.
public enum ConvolutionPass: String, Sendable, CaseIterable {
    case forward, backwardInput = "backward-input", backwardWeights = "backward-weights"
}

public enum ConvolutionShapes {
    /// The product one pass of `g` computes (per image; `batch` is the image count).
    public static func product(_ g: ConvGeometry, _ pass: ConvolutionPass) -> TunedProduct {
        let direct = g.stride == 1
        switch pass {
        case .forward:
            return TunedProduct(kernel: direct ? .convolution : .gemm, m: g.filters, n: g.outputPixels, k: g.patchSize, batch: g.batch)
        case .backwardInput:
            return direct
                ? TunedProduct(kernel: .convolution, m: g.inChannels, n: g.height * g.width, k: g.filters * g.kernelHeight * g.kernelWidth, batch: g.batch)
                : TunedProduct(kernel: .gemm, m: g.patchSize, n: g.outputPixels, k: g.filters, batch: g.batch)
        case .backwardWeights:
            return TunedProduct(kernel: .convolutionWeights, m: g.filters, n: g.patchSize, k: g.outputPixels, batch: g.batch)
        }
    }
}
