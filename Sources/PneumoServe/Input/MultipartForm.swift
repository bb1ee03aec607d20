/// A `multipart/form-data` body split into its parts (RFC 7578), kept in memory.
struct MultipartForm {
    /// One field of the form.
    struct Part {
        var name: String?
        var filename: String?
        var contentType: String?
        var content: ArraySlice<UInt8>
    }

    /// Why a multipart body could not be read.
    enum Failure: Error, Equatable {
        case missingBoundary
        case malformed(String)
    }

    var parts: [Part]

    /// Splits `body` at `boundary`; throws when the delimiters or part headers are broken.
    init(body: [UInt8], boundary: String) throws {
        guard !boundary.isEmpty, boundary.utf8.count <= 200 else { throw Failure.missingBoundary }
        let delimiter = Array("--\(boundary)".utf8)
        guard var cursor = body.firstRange(of: delimiter, from: 0)?.upperBound else {
            throw Failure.malformed("the body does not contain the boundary given in Content-Type")
        }
        var parts: [Part] = []
        let nextDelimiter = Array("\r\n--\(boundary)".utf8)
        while true {
            if body.hasBytes(Array("--".utf8), at: cursor) {
                self.parts = parts
                return  // closing delimiter; anything after it is an ignorable epilogue
            }
            guard body.hasBytes(Array("\r\n".utf8), at: cursor) else {
                throw Failure.malformed("a boundary line is not followed by a line break")
            }
            let headerStart = cursor + 2
            guard let headerEnd = body.firstRange(of: Array("\r\n\r\n".utf8), from: headerStart) else {
                throw Failure.malformed("a part's headers never end; the upload may have been cut off")
            }
            guard let contentEnd = body.firstRange(of: nextDelimiter, from: headerEnd.upperBound) else {
                throw Failure.malformed("a part is not closed by the boundary; the upload may have been cut off")
            }
            var part = try Self.parseHeaders(body[headerStart..<headerEnd.lowerBound])
            part.content = body[headerEnd.upperBound..<contentEnd.lowerBound]
            parts.append(part)
            cursor = contentEnd.upperBound
        }
    }

    private static func parseHeaders(_ bytes: ArraySlice<UInt8>) throws -> Part {
        var part = Part(name: nil, filename: nil, contentType: nil, content: [])
        guard !bytes.isEmpty else { return part }
        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else {
                throw Failure.malformed("a part's header line has no colon")
            }
            let name = line[..<colon].trimmingSpaces().lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces()
            switch name {
            case "content-disposition":
                // Reuse the media-type parameter syntax: `form-data; name="file"; filename="a.jpg"`.
                let parameters = MediaType("x/" + value)?.parameters ?? [:]
                part.name = parameters["name"]
                part.filename = parameters["filename"]
            case "content-type":
                part.contentType = value
            default:
                break
            }
        }
        return part
    }
}
