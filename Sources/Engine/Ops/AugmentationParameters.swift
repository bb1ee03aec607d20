import Foundation

/// The per-image numbers the augment kernel reads: `m00 m01 m10 m11 tx ty gain bias`
/// (see Kernels/augment.cl), drawn on the host from a seeded generator.
public enum AugmentationParameters {
    /// Floats per image.
    public static let stride = 8

    /// Parameters that leave `count` images unchanged.
    public static func identity(count: Int) -> [Float] {
        (0..<count).flatMap { _ in [Float(1), 0, 0, 1, 0, 0, 1, 0] }
    }

    /// Random parameters for `count` images of `width` x `height`. The draws per image are
    /// always made in the same order, so a seed fixes the whole sequence whatever is switched off.
    public static func draw(count: Int, width: Int, height: Int, settings: AugmentationSettings,
                            generator: inout SeededGenerator) -> [Float] {
        var result: [Float] = []
        result.reserveCapacity(count * stride)
        for _ in 0..<count {
            let angle = symmetric(settings.rotationDegrees, &generator) * Float.pi / 180
            let scale = 1 + symmetric(settings.zoom, &generator)
            let shiftX = symmetric(settings.shift, &generator) * Float(width)
            let shiftY = symmetric(settings.shift, &generator) * Float(height)
            let flip = generator.nextUniform() < 0.5 && settings.horizontalFlip
            let gain = 1 + symmetric(settings.contrast, &generator)
            let brightness = symmetric(settings.brightness, &generator)
            // Drawn last so that seeds keep their other draws; the ratio is split evenly
            // between the axes, so the image's area stays as the zoom left it.
            let ratio = Foundation.exp(symmetric(Foundation.log(1 + settings.aspect), &generator))
            let scaleX = scale * ratio.squareRoot(), scaleY = scale / ratio.squareRoot()
            // Output -> input map: undo the rotation and the zoom (a scale above 1 enlarges
            // the content, so the input is read over a smaller area); a flip mirrors x first.
            let cos = Foundation.cos(angle), sin = Foundation.sin(angle)
            let mirror: Float = flip ? -1 : 1
            result += [cos * mirror / scaleX, sin / scaleY, -sin * mirror / scaleX, cos / scaleY,
                       shiftX, shiftY, gain, 0.5 * (1 - gain) + brightness]
        }
        return result
    }

    /// Uniform in [-range, range]; exactly 0 when `range` is 0.
    private static func symmetric(_ range: Float, _ generator: inout SeededGenerator) -> Float {
        (2 * generator.nextUniform() - 1) * range
    }
}
