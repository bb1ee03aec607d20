import Foundation

/// The per-image numbers the augment kernel reads (see Kernels/augment.cl), drawn on the
/// host from a seeded generator:
/// `m00 m01 m10 m11 tx ty gain bias gamma eraseX0 eraseY0 eraseX1 eraseY1 noiseSeed`.
public enum AugmentationParameters {
    /// Floats per image.
    public static let stride = 14

    /// Parameters that leave `count` images unchanged.
    public static func identity(count: Int) -> [Float] {
        (0..<count).flatMap { _ in [Float(1), 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0] }
    }

    /// Random parameters for `count` images of `width` x `height`. The draws per image are
    /// always made in the same order, so a seed fixes the whole sequence whatever strength is
    /// set to zero. Gamma and erasing draw only when they are on (after everything else), so
    /// with both off the draws, and so every image, are those of the runs made before they existed.
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
            let gamma = settings.gamma > 0 ? Foundation.exp(symmetric(Foundation.log(1 + settings.gamma), &generator)) : 1
            result.append(gamma)
            result += settings.eraseProbability > 0
                ? erasure(width: width, height: height, settings: settings, generator: &generator)
                : [0, 0, 0, 0, 0]
        }
        return result
    }

    /// `x0 y0 x1 y1 noiseSeed` of one image: a rectangle [x0, x1) x [y0, y1) with probability
    /// `eraseProbability`, else an empty one. Six draws every time, erased or not, so the
    /// probability does not move the draws of the images that follow.
    private static func erasure(width: Int, height: Int, settings: AugmentationSettings,
                                generator: inout SeededGenerator) -> [Float] {
        let erased = generator.nextUniform() < settings.eraseProbability
        let low = AugmentationSettings.minimumEraseArea
        let area = (low + generator.nextUniform() * (settings.eraseArea - low)) * Float(width * height)
        let ratios = AugmentationSettings.eraseAspectRange
        let logRatio = Foundation.log(ratios.lowerBound)
            + generator.nextUniform() * (Foundation.log(ratios.upperBound) - Foundation.log(ratios.lowerBound))
        let ratio = Foundation.exp(logRatio)  // Height over width.
        // A rectangle taller or wider than the image is cut to it (Zhong et al. draw again
        // instead; cutting keeps the number of draws fixed).
        let rectangleHeight = min(height, max(1, Int((area * ratio).squareRoot().rounded())))
        let rectangleWidth = min(width, max(1, Int((area / ratio).squareRoot().rounded())))
        let x0 = generator.nextIndex(below: width - rectangleWidth + 1)
        let y0 = generator.nextIndex(below: height - rectangleHeight + 1)
        // 24 bits: exact in a Float, the kernel turns it back into an integer.
        let noiseSeed = Float(generator.next() >> 40)
        guard erased else { return [0, 0, 0, 0, 0] }
        return [Float(x0), Float(y0), Float(x0 + rectangleWidth), Float(y0 + rectangleHeight), noiseSeed]
    }

    /// The fill of an erased pixel: uniform in [0, 1) from a hash of the image's noise seed and
    /// the pixel's index in its plane (y * width + x), the same on the host and in the kernel.
    public static func eraseNoise(seed: UInt32, pixel: UInt32) -> Float {
        var h = seed ^ (pixel &* 0x9E37_79B9)
        h ^= h >> 16
        h &*= 0x85EB_CA6B
        h ^= h >> 13
        h &*= 0xC2B2_AE35
        h ^= h >> 16
        return Float(h >> 8) / Float(1 << 24)
    }

    /// The local-contrast strengths of `count` images, uniform in [-localContrast, localContrast];
    /// drawn after a batch's other parameters, and only when on, so that runs without it keep
    /// their draws.
    public static func localContrastAmounts(count: Int, settings: AugmentationSettings,
                                            generator: inout SeededGenerator) -> [Float]? {
        guard settings.localContrast > 0 else { return nil }
        return (0..<count).map { _ in symmetric(settings.localContrast, &generator) }
    }

    /// Uniform in [-range, range]; exactly 0 when `range` is 0.
    private static func symmetric(_ range: Float, _ generator: inout SeededGenerator) -> Float {
        (2 * generator.nextUniform() - 1) * range
    }
}
