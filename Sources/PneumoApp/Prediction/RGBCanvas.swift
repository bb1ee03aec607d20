/// An RGB picture to draw a grid of images and captions into, then encode as PNG.
struct RGBCanvas {
    typealias Color = (red: UInt8, green: UInt8, blue: UInt8)

    let width: Int
    let height: Int
    private(set) var pixels: [UInt8]

    init(width: Int, height: Int, background: Color) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, color: background)
    }

    /// Fills a rectangle, clipped to the canvas.
    mutating func fill(x: Int, y: Int, width rectWidth: Int, height rectHeight: Int, color: Color) {
        for row in max(0, y)..<min(height, y + rectHeight) {
            for column in max(0, x)..<min(width, x + rectWidth) { set(column, row, color) }
        }
    }

    /// Copies a grayscale image enlarged `scale` times (nearest neighbour) with its top-left at (`x`, `y`).
    mutating func draw(gray: [UInt8], width imageWidth: Int, height imageHeight: Int, x: Int, y: Int, scale: Int) {
        for row in 0..<(imageHeight * scale) {
            let target = y + row
            guard target >= 0, target < height else { continue }
            let sourceRow = (row / scale) * imageWidth
            for column in 0..<(imageWidth * scale) {
                let value = gray[sourceRow + column / scale]
                set(x + column, target, (value, value, value))
            }
        }
    }

    /// Draws `text` in the bitmap font, each font pixel `scale` x `scale`, starting at (`x`, `y`).
    mutating func draw(text: String, x: Int, y: Int, scale: Int, color: Color) {
        for (index, character) in text.enumerated() {
            let left = x + index * BitmapFont.advance * scale
            for row in 0..<BitmapFont.height {
                for column in 0..<BitmapFont.width where BitmapFont.isInk(character, column: column, row: row) {
                    fill(x: left + column * scale, y: y + row * scale, width: scale, height: scale, color: color)
                }
            }
        }
    }

    private mutating func set(_ x: Int, _ y: Int, _ color: Color) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let offset = (y * width + x) * 3
        pixels[offset] = color.red
        pixels[offset + 1] = color.green
        pixels[offset + 2] = color.blue
    }
}
