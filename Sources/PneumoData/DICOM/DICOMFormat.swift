import Foundation

/// Recognises DICOM data by its bytes, so any file or upload in DICOM goes to the DICOM reader
/// whatever its name.
public enum DICOMFormat {
    /// The file name extension DICOM files carry when they carry one.
    public static let fileExtension = "dcm"

    /// True for a Part 10 file (`DICM` after the 128-byte preamble), or for a bare dataset that
    /// starts with a group 0002 or 0008 element, as some archives write them.
    public static func matches(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if bytes.count >= 132, bytes[128] == 0x44, bytes[129] == 0x49, bytes[130] == 0x43, bytes[131] == 0x4D { return true }
        guard bytes.count >= 8, bytes[1] == 0x00, bytes[0] == 0x02 || bytes[0] == 0x08, bytes[2] & 1 == 0 else { return false }
        // The second element of the tag is even, and an explicit VR (two capital letters) or an implicit 4-byte length follows.
        let vr = (bytes[4], bytes[5])
        let explicitVR = (0x41...0x5A).contains(vr.0) && (0x41...0x5A).contains(vr.1)
        return explicitVR || bytes[7] == 0x00
    }

    /// True when `bytes` are DICOM.
    public static func matches(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { matches($0) } }

    /// True when the regular file at `url` starts like DICOM; false when it cannot be read.
    public static func fileMatches(_ url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 132) else { return false }
        return head.withUnsafeBytes { matches($0) }
    }
}
