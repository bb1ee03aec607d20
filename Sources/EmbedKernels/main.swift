import Foundation

// Usage: EmbedKernels OUTPUT.swift FILE.cl...
// Writes an enum whose `sources` maps each file name to its text, as raw multi-line string
// literals whose `#` delimiter is longer than any run of `#` in the file, so no kernel text
// can end the literal early or be read as interpolation.
let arguments = Array(CommandLine.arguments.dropFirst())
guard let outputPath = arguments.first else {
    FileHandle.standardError.write(Data("usage: EmbedKernels OUTPUT.swift FILE.cl...\n".utf8))
    exit(2)
}

func longestHashRun(_ text: String) -> Int {
    var longest = 0, current = 0
    for character in text {
        current = character == "#" ? current + 1 : 0
        longest = max(longest, current)
    }
    return longest
}

var swift = "// Generated from Kernels/*.cl at build time. Do not edit.\n"
swift += "enum EmbeddedKernels {\n    static let sources: [String: String] = [\n"
for path in arguments.dropFirst() {
    let url = URL(fileURLWithPath: path)
    let text = try String(contentsOf: url, encoding: .utf8)
    let hashes = String(repeating: "#", count: longestHashRun(text) + 1)
    swift += "        \"\(url.lastPathComponent)\": \(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes),\n"
}
swift += "    ]\n}\n"

let output = URL(fileURLWithPath: outputPath)
if (try? String(contentsOf: output, encoding: .utf8)) != swift {
    try swift.write(to: output, atomically: true, encoding: .utf8)
}
