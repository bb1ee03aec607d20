import Foundation
import PneumoData

/// Turns Grad-CAM heatmaps into PNG images: a see-through layer for a web page, and an
/// X-ray with the heatmap blended in, for files.
public enum HeatmapRendering {
    /// How strongly the heatmap covers the X-ray where it is 1 in `overlayPNG`.
    public static let defaultOverlayOpacity: Float = 0.55

    /// An RGBA PNG of `heatmap` (values in [0, 1]): colour from `HeatmapColors`, opacity
    /// proportional to the value, so places the model did not look at stay transparent.
    public static func transparentPNG(_ heatmap: Heatmap) throws -> Data {
        var pixels = [UInt8](repeating: 0, count: heatmap.values.count * 4)
        for (index, value) in heatmap.values.enumerated() {
            let color = HeatmapColors.color(value)
            let alpha = value.isNaN ? 0 : min(max(value, 0), 1)
            pixels[4 * index] = color.red
            pixels[4 * index + 1] = color.green
            pixels[4 * index + 2] = color.blue
            pixels[4 * index + 3] = UInt8((alpha * 255).rounded())
        }
        return try PNGEncoder.encode(width: heatmap.width, height: heatmap.height, pixels: pixels, colorType: .rgba)
    }

    /// An RGB PNG of `image` with `heatmap` blended over it: each pixel moves from gray towards
    /// the heatmap colour by `opacity` times the heatmap value there. The heatmap is resized to
    /// the image first when their sizes differ.
    public static func overlayPNG(image: GrayImage, heatmap: Heatmap, opacity: Float = defaultOverlayOpacity) throws -> Data {
        guard image.width >= 1, image.height >= 1 else {
            throw ExplainError.invalidHeatmap("cannot draw over an empty \(image.width)x\(image.height) image")
        }
        guard (0...1).contains(opacity) else { throw ExplainError.invalidHeatmap("opacity \(opacity) is not in [0, 1]") }
        let fitted = heatmap.width == image.width && heatmap.height == image.height
            ? heatmap : try heatmap.resized(width: image.width, height: image.height)
        var pixels = [UInt8](repeating: 0, count: image.pixels.count * 3)
        for (index, gray) in image.pixels.enumerated() {
            let value = fitted.values[index]
            let weight = opacity * (value.isNaN ? 0 : min(max(value, 0), 1))
            let color = HeatmapColors.color(value)
            let base = Float(gray) * (1 - weight)
            pixels[3 * index] = UInt8((base + Float(color.red) * weight).rounded())
            pixels[3 * index + 1] = UInt8((base + Float(color.green) * weight).rounded())
            pixels[3 * index + 2] = UInt8((base + Float(color.blue) * weight).rounded())
        }
        return try PNGEncoder.encode(width: image.width, height: image.height, pixels: pixels, colorType: .rgb)
    }
}
