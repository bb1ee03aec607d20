import PneumoData

/// Test-time augmentation: the mean probability over the image and a few shifted and scaled
/// copies of it, the changes training augmentation already taught the model to ignore. No
/// flips: the heart lies on one side, so a mirrored chest is not a chest the model should see.
public struct TestTimeAugmentation: Equatable, Sendable {
    /// One copy: a shift (as a share of the side, positive right and down) and a zoom about the centre.
    public struct Variant: Equatable, Sendable {
        public var shiftX: Double
        public var shiftY: Double
        public var scale: Double
    }

    /// The copies scored besides nothing (the first is the image as it is).
    public var variants: [Variant]

    /// The image, shifted 4% each way along each axis, and zoomed to 95% and 105%.
    public static let standard = TestTimeAugmentation(variants: [
        Variant(shiftX: 0, shiftY: 0, scale: 1),
        Variant(shiftX: 0.04, shiftY: 0, scale: 1), Variant(shiftX: -0.04, shiftY: 0, scale: 1),
        Variant(shiftX: 0, shiftY: 0.04, scale: 1), Variant(shiftX: 0, shiftY: -0.04, scale: 1),
        Variant(shiftX: 0, shiftY: 0, scale: 0.95), Variant(shiftX: 0, shiftY: 0, scale: 1.05),
    ])

    /// `images` with every image moved by `variant`: bilinear sampling, edges repeated, as the
    /// training augmentation fills its borders.
    public static func apply(_ variant: Variant, to images: DecodedImageSet) -> DecodedImageSet {
        if variant == Variant(shiftX: 0, shiftY: 0, scale: 1) { return images }
        let side = images.side, plane = side * side
        let centre = Double(side - 1) / 2
        var pixels = [UInt8](repeating: 0, count: images.pixels.count)
        for image in 0..<images.count {
            let base = image * plane
            for y in 0..<side {
                for x in 0..<side {
                    // The source of output (x, y): undo the shift, then the zoom about the centre.
                    let sx = (Double(x) - variant.shiftX * Double(side) - centre) / variant.scale + centre
                    let sy = (Double(y) - variant.shiftY * Double(side) - centre) / variant.scale + centre
                    pixels[base + y * side + x] = sample(images.pixels, base: base, side: side, x: sx, y: sy)
                }
            }
        }
        return DecodedImageSet(side: side, samples: images.samples, pixels: pixels)
    }

    private static func sample(_ pixels: [UInt8], base: Int, side: Int, x: Double, y: Double) -> UInt8 {
        let cx = min(max(x, 0), Double(side - 1)), cy = min(max(y, 0), Double(side - 1))
        let x0 = Int(cx), y0 = Int(cy)
        let x1 = min(x0 + 1, side - 1), y1 = min(y0 + 1, side - 1)
        let fx = cx - Double(x0), fy = cy - Double(y0)
        func at(_ px: Int, _ py: Int) -> Double { Double(pixels[base + py * side + px]) }
        let top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx
        let bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx
        return UInt8(min(255, max(0, (top * (1 - fy) + bottom * fy).rounded())))
    }

    /// Raw and calibrated probabilities of `model` on `images`, each the mean over the variants.
    func probabilities(
        of images: DecodedImageSet, model: TrainedModel, batchSize: Int
    ) throws -> (raw: [[Double]], calibrated: [[Double]]) {
        let classes = model.classNames.count
        var raw = [[Double]](repeating: [Double](repeating: 0, count: classes), count: images.count)
        var calibrated = raw
        for variant in variants {
            let logits = try ImageScoring.logits(of: Self.apply(variant, to: images), model: model, batchSize: batchSize)
            let plain = TrainedModel.probabilities(fromLogits: logits, count: images.count, classes: classes)
            let scaled = TrainedModel.probabilities(fromLogits: logits, count: images.count, classes: classes, temperature: model.temperature)
            for row in 0..<images.count {
                for index in 0..<classes {
                    raw[row][index] += plain[row][index] / Double(variants.count)
                    calibrated[row][index] += scaled[row][index] / Double(variants.count)
                }
            }
        }
        return (raw, calibrated)
    }
}
