import Foundation

/// The notebook's prediction grid: the input images with their predicted labels, as a PNG
/// picture or a self-contained HTML page. A frame is green for a right prediction, orange for
/// a wrong one, grey when the true class is unknown.
public enum PredictionGrid {
    /// Writes the grid of the first `limit` predicted images to `url`: `.png` or `.html`; its
    /// folder is created only when the folder above it exists.
    @discardableResult
    public static func write(_ result: PredictionResult, to url: URL, limit: Int = 48, columns: Int = 6) throws -> Int {
        let tiles = self.tiles(result, limit: limit)
        guard !tiles.isEmpty else {
            throw EvaluationError.unusableData("no image was predicted, so there is nothing to draw in \(url.path)")
        }
        try OutputFolder.prepare(url.deletingLastPathComponent())
        switch url.pathExtension.lowercased() {
        case "png":
            try AtomicFile.write(try png(tiles, columns: columns), to: url)
        case "html", "htm":
            var report = HTMLReport(
                title: "Predictions of \(result.modelName)",
                subtitle: "\(tiles.count) of \(result.predictedCount) predicted image(s)")
            try report.addImageGrid(tiles, columns: columns)
            try report.write(to: url)
        default:
            throw EvaluationError.invalidOption("the grid file must end in .png or .html, got '\(url.lastPathComponent)'")
        }
        return tiles.count
    }

    /// Captioned pictures of the predicted entries, in input order.
    static func tiles(_ result: PredictionResult, limit: Int) -> [GridImage] {
        var tiles = [GridImage]()
        for (entry, index) in zip(result.entries, result.imageIndex) where tiles.count < max(0, limit) {
            guard let index, let predicted = entry.predictedClass, let probability = entry.probability else { continue }
            let image = result.images.image(at: index)
            let tone: GridImage.Tone = entry.trueClass.map { $0 == predicted ? .correct : .wrong } ?? .neutral
            let name = (entry.file as NSString).lastPathComponent
            tiles.append(GridImage(
                width: image.width, height: image.height, pixels: image.pixels,
                caption: "\(predicted) \(NumberFormat.fixed(probability, 2))",
                detail: entry.trueClass.map { "true \($0) · \(name)" } ?? name, tone: tone))
        }
        return tiles
    }

    /// Lays the tiles out on one RGB picture, captions burnt in under each image.
    static func png(_ tiles: [GridImage], columns: Int) throws -> Data {
        let side = tiles.map { max($0.width, $0.height) }.max() ?? 1
        // Small model inputs (32 px) are enlarged so that captions fit under them.
        let scale = max(1, (112 + side - 1) / side)
        let imageSide = side * scale
        let fontScale = imageSide >= 200 ? 2 : 1
        let lineHeight = (BitmapFont.height + 3) * fontScale
        let frame = 3, gap = 10
        let cellWidth = imageSide + 2 * frame
        let cellHeight = imageSide + 2 * frame + 2 * lineHeight + 4
        let columnCount = max(1, min(columns, tiles.count))
        let rowCount = (tiles.count + columnCount - 1) / columnCount
        var canvas = RGBCanvas(
            width: gap + columnCount * (cellWidth + gap), height: gap + rowCount * (cellHeight + gap), background: (255, 255, 255))
        let characters = max(1, (cellWidth + fontScale) / (BitmapFont.advance * fontScale))
        for (index, tile) in tiles.enumerated() {
            let x = gap + (index % columnCount) * (cellWidth + gap)
            let y = gap + (index / columnCount) * (cellHeight + gap)
            canvas.fill(x: x, y: y, width: cellWidth, height: imageSide + 2 * frame, color: color(tile.tone))
            canvas.draw(gray: tile.pixels, width: tile.width, height: tile.height, x: x + frame, y: y + frame, scale: scale)
            let textTop = y + imageSide + 2 * frame + 3
            canvas.draw(text: BitmapFont.fitted(tile.caption, characters: characters), x: x, y: textTop, scale: fontScale, color: (20, 20, 20))
            if let detail = tile.detail {
                // A cut file name says little; with a known class, the class alone fits the line.
                let shown = detail.components(separatedBy: " · ").first ?? detail
                canvas.draw(
                    text: BitmapFont.fitted(shown, characters: characters), x: x, y: textTop + lineHeight, scale: fontScale,
                    color: (100, 100, 100))
            }
        }
        return try PNGEncoder.encode(width: canvas.width, height: canvas.height, pixels: canvas.pixels, colorType: .rgb)
    }

    /// Frame colours from the report's palette (colour-blind safe).
    private static func color(_ tone: GridImage.Tone) -> RGBCanvas.Color {
        switch tone {
        case .correct: return (0, 158, 115)
        case .wrong: return (213, 94, 0)
        case .neutral: return (170, 170, 170)
        }
    }
}
