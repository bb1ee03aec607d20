import Foundation

/// Original image sizes from the data set's MANIFEST.csv
/// (`split,class,name,source,original_width,original_height,...`).
enum ManifestReader {
    /// Sizes keyed by "split/class/name"; rows without a size (224 copies) map to nil.
    static func sizes(from url: URL) throws -> [String: (width: Int, height: Int)?] {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw EDAError.unreadableManifest(url, "\(error.localizedDescription)")
        }
        var lines = text.split(whereSeparator: \.isNewline)
        guard let header = lines.first else { throw EDAError.unreadableManifest(url, "the file is empty") }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        func column(_ name: String) throws -> Int {
            guard let index = columns.firstIndex(of: name) else { throw EDAError.unreadableManifest(url, "no \(name) column") }
            return index
        }
        let split = try column("split"), className = try column("class"), name = try column("name")
        let width = try column("original_width"), height = try column("original_height")
        lines.removeFirst()
        var sizes: [String: (width: Int, height: Int)?] = [:]
        for line in lines {
            // The manifest has no quoted fields; file names contain no commas.
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == columns.count else { continue }
            let key = "\(fields[split])/\(fields[className])/\(fields[name])"
            if let w = Int(fields[width]), let h = Int(fields[height]) { sizes[key] = (w, h) } else { sizes[key] = .some(nil) }
        }
        return sizes
    }
}

/// Problems specific to the exploratory analysis.
public enum EDAError: Error, CustomStringConvertible {
    case unreadableManifest(URL, String)
    case cannotWrite(URL, String)

    public var description: String {
        switch self {
        case let .unreadableManifest(url, why): return "cannot use manifest \(url.path): \(why); pass --manifest or remove the file"
        case let .cannotWrite(url, why): return "cannot write \(url.path): \(why); choose another --out folder"
        }
    }
}
