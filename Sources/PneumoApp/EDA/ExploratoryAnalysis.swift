import Foundation
import PneumoData
import SeededRandom

/// The notebook's data exploration as a computation: counts, original sizes, intensity
/// histograms and sample images per class.
public enum ExploratoryAnalysis {
    /// A sample image ready for the HTML report.
    public struct Thumbnail: Sendable {
        public let className: String
        public let file: String
        public let png: [UInt8]
    }

    /// The report and its sample thumbnails.
    public struct Result: Sendable {
        public let report: EDAReport
        public let thumbnails: [Thumbnail]
    }

    /// Reports how far a stage of the analysis is: its name, images done and images in all.
    public typealias Progress = (_ stage: String, _ done: Int, _ total: Int) -> Void

    /// Runs the analysis of `options.dataRoot`, telling `progress` about the decoding of each
    /// split (one step per split) and about the reading of each image's original size.
    public static func run(_ options: EDAOptions, progress: Progress? = nil) throws -> Result {
        try options.cache?.checkUsable()
        let scan = try DatasetScanner.scanKaggle(root: options.dataRoot, labels: options.labels, strict: options.strict)
        let classNames = options.labels.classNames
        let splits = DatasetSplit.allCases.filter { !scan.samples(in: $0).isEmpty }
        var problems = scan.issues.map(\.description)

        var sets: [(split: DatasetSplit, images: DecodedImageSet)] = []
        let toDecode = splits.reduce(0) { $0 + scan.samples(in: $1).count }
        var decoded = 0
        progress?("decode", 0, toDecode)
        for split in splits {
            let (images, report) = try ImageSetLoader.load(
                scan.samples(in: split), name: split.rawValue, preprocessing: ImagePreprocessing(side: options.analysisSide),
                cache: options.cache, strict: options.strict)
            problems += report.failures.map(\.description)
            sets.append((split, images))
            decoded += scan.samples(in: split).count
            progress?("decode", decoded, toDecode)
        }

        let (sizeSource, sizes) = try originalSizes(
            scan, options: options, classNames: classNames, problems: &problems, progress: progress)
        let report = EDAReport(
            dataRoot: options.dataRoot.path, labelScheme: options.labels.rawValue, classNames: classNames,
            splits: splits.map(\.rawValue), counts: counts(scan, splits: splits, classNames: classNames),
            splitTotals: Dictionary(uniqueKeysWithValues: splits.map { ($0.rawValue, scan.samples(in: $0).count) }),
            sizeSource: sizeSource, sizes: sizes, analysisSide: options.analysisSide,
            histograms: histograms(sets.map(\.images), classNames: classNames),
            samples: [], problems: problems)
        let thumbnails = try sampleThumbnails(sets, classNames: classNames, options: options)
        let sampleSets = classNames.map { name in
            EDAReport.SampleSet(className: name, files: thumbnails.filter { $0.className == name }.map(\.file))
        }
        return Result(report: report.withSamples(sampleSets), thumbnails: thumbnails)
    }

    static func counts(_ scan: DatasetScan, splits: [DatasetSplit], classNames: [String]) -> [EDAReport.Count] {
        var result: [EDAReport.Count] = []
        for split in splits {
            let samples = scan.samples(in: split)
            for (label, name) in classNames.enumerated() {
                let members = samples.filter { $0.label == label }
                result.append(EDAReport.Count(
                    split: split.rawValue, className: name, images: members.count,
                    percentOfSplit: samples.isEmpty ? 0 : 100 * Double(members.count) / Double(samples.count),
                    patients: Set(members.map(\.patientID)).count))
            }
        }
        return result
    }

    /// Sizes from the manifest when there is one (it knows the originals behind resized
    /// copies), else from each file's JPEG header.
    static func originalSizes(
        _ scan: DatasetScan, options: EDAOptions, classNames: [String], problems: inout [String], progress: Progress? = nil
    ) throws -> (source: String, sizes: [EDAReport.SizeSummary]) {
        let candidates = options.manifest.map { [$0] } ?? [
            options.dataRoot.appendingPathComponent("MANIFEST.csv"),
            options.dataRoot.deletingLastPathComponent().appendingPathComponent("MANIFEST.csv"),
        ]
        let manifestURL = candidates.first { FileManager.default.fileExists(atPath: $0.path) }
        if let explicit = options.manifest, manifestURL == nil {
            throw EDAError.unreadableManifest(explicit, "the file does not exist")
        }
        let manifest = try manifestURL.map { try ManifestReader.sizes(from: $0) }
        let decoder = try JPEGDecoder()
        var points = [[EDAReport.SizePoint]](repeating: [], count: classNames.count)
        var unknown = [Int](repeating: 0, count: classNames.count)
        for (index, sample) in scan.samples.enumerated() {
            progress?("sizes", index + 1, scan.samples.count)
            guard let label = sample.label, label < classNames.count else { continue }
            let key = "\(sample.split?.rawValue ?? "")/\(sample.classFolder ?? "")/\(sample.file.lastPathComponent)"
            if let manifest, let entry = manifest[key] {
                if let size = entry { points[label].append(EDAReport.SizePoint(width: size.width, height: size.height)) } else { unknown[label] += 1 }
                continue
            }
            do {
                let header = try decoder.header(ofFile: sample.file)
                points[label].append(EDAReport.SizePoint(width: header.width, height: header.height))
            } catch {
                unknown[label] += 1
                problems.append("\(error)")
            }
        }
        let summaries = classNames.indices.map { summary(classNames[$0], points[$0], unknown: unknown[$0]) }
        return (manifestURL == nil ? "jpeg headers" : "manifest \(manifestURL?.lastPathComponent ?? "")", summaries)
    }

    private static func summary(_ name: String, _ points: [EDAReport.SizePoint], unknown: Int) -> EDAReport.SizeSummary {
        let widths = points.map(\.width).sorted(), heights = points.map(\.height).sorted()
        return EDAReport.SizeSummary(
            className: name, points: points, unknown: unknown,
            medianWidth: widths.isEmpty ? nil : widths[widths.count / 2],
            medianHeight: heights.isEmpty ? nil : heights[heights.count / 2],
            minWidth: widths.first, maxWidth: widths.last, minHeight: heights.first, maxHeight: heights.last)
    }

    static func histograms(_ sets: [DecodedImageSet], classNames: [String]) -> [EDAReport.Histogram] {
        var bins = [[Int]](repeating: [Int](repeating: 0, count: 256), count: classNames.count)
        var images = [Int](repeating: 0, count: classNames.count)
        for set in sets {
            let plane = set.side * set.side
            var counts = [Int](repeating: 0, count: 256)
            set.pixels.withUnsafeBufferPointer { pixels in
                for (index, sample) in set.samples.enumerated() {
                    guard let label = sample.label, label < classNames.count else { continue }
                    images[label] += 1
                    counts.withUnsafeMutableBufferPointer { tally in
                        for i in (index * plane)..<((index + 1) * plane) { tally[Int(pixels[i])] += 1 }
                    }
                    for value in 0..<256 { bins[label][value] += counts[value] }
                    for value in 0..<256 { counts[value] = 0 }
                }
            }
        }
        return classNames.indices.map { label in
            let total = max(1, bins[label].reduce(0, +))
            let frequencies = bins[label].map { Double($0) / Double(total) }
            let mean = frequencies.enumerated().reduce(0.0) { $0 + Double($1.offset) * $1.element }
            let variance = frequencies.enumerated().reduce(0.0) { $0 + $1.element * pow(Double($1.offset) - mean, 2) }
            return EDAReport.Histogram(className: classNames[label], images: images[label], frequencies: frequencies,
                                       mean: mean, standardDeviation: variance.squareRoot())
        }
    }

    /// Seeded picks per class from the first split that has images of that class.
    static func sampleThumbnails(
        _ sets: [(split: DatasetSplit, images: DecodedImageSet)], classNames: [String], options: EDAOptions
    ) throws -> [Thumbnail] {
        var thumbnails: [Thumbnail] = []
        for (label, name) in classNames.enumerated() {
            guard let set = sets.first(where: { $0.images.labels.contains(label) })?.images else { continue }
            var members = set.samples.indices.filter { set.samples[$0].label == label }
            var generator = SeededGenerator(seed: options.seed, stream: UInt64(label))
            generator.shuffle(&members)
            for index in members.prefix(options.samplesPerClass).sorted() {
                let image = set.image(at: index).resized(width: options.thumbnailSide, height: options.thumbnailSide)
                thumbnails.append(Thumbnail(className: name, file: set.samples[index].file.lastPathComponent,
                                            png: [UInt8](try PNGEncoder.encode(width: image.width, height: image.height, pixels: image.pixels))))
            }
        }
        return thumbnails
    }
}

extension EDAReport {
    func withSamples(_ samples: [SampleSet]) -> EDAReport {
        EDAReport(dataRoot: dataRoot, labelScheme: labelScheme, classNames: classNames, splits: splits, counts: counts,
                  splitTotals: splitTotals, sizeSource: sizeSource, sizes: sizes, analysisSide: analysisSide,
                  histograms: histograms, samples: samples, problems: problems)
    }
}
