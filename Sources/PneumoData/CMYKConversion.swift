/// Turns decoded CMYK into grayscale in place (the result fills the first quarter).
enum CMYKConversion {
    /// CMYK JPEGs carry an Adobe marker and store inverted values (255 = no ink), the
    /// convention Photoshop set and other readers follow. So each stored value is already the
    /// fraction of light that ink lets through: R = C'K', G = M'K', B = Y'K' (over 255), and
    /// gray is the ITU-R BT.601 luma of that.
    static func toGray(_ pixels: UnsafeMutablePointer<UInt8>, pixelCount: Int) {
        for i in 0..<pixelCount {
            let c = UInt32(pixels[4 * i]), m = UInt32(pixels[4 * i + 1])
            let y = UInt32(pixels[4 * i + 2]), k = UInt32(pixels[4 * i + 3])
            // Luma weights scaled by 1000; divide by 255 * 1000 with rounding.
            let luma = (299 * c + 587 * m + 114 * y) * k
            pixels[i] = UInt8(min(255, (luma + 127_500) / 255_000))
        }
    }
}
