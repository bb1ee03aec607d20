/// Checks at start that every rank found the same images, so no rank trains on other data.
enum DataAgreement {
    /// Throws, on every rank, when any rank's data fingerprint or batch count differs from rank 0's.
    static func check(fingerprint: String, stepsPerEpoch: Int, group: ProcessGroup) throws {
        guard group.size > 1 else { return }
        let width = 256
        let text = "\(fingerprint)\t\(stepsPerEpoch)\t\(group.host)"
        var bytes = Array(text.utf8.prefix(width))
        bytes += [UInt8](repeating: 0, count: width - bytes.count)
        let all = try group.gather(bytes).map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self).split(separator: "\t").map(String.init) }
        let reference = all[0]
        let differing = all.enumerated().filter { $0.element.prefix(2) != reference.prefix(2) }
        guard !differing.isEmpty else { return }
        let named = differing.map { rank, fields in
            "rank \(rank) on \(fields.count > 2 ? fields[2] : "?") (\(fields.first?.prefix(19) ?? "")..., \(fields.count > 1 ? fields[1] : "?") batches per epoch)"
        }
        throw DistributedError.mismatch(
            "the ranks found different training data: rank 0 on \(reference.count > 2 ? reference[2] : "?") has "
                + "\(reference.first?.prefix(19) ?? "")..., \(reference.count > 1 ? reference[1] : "?") batches per epoch, but "
                + named.joined(separator: "; ")
                + ". Give every rank the same --data (the same files at each host) and the same options")
    }
}
