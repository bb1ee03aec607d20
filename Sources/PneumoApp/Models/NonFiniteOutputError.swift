/// The network gave NaN or an infinity for an image. Read as a probability that would become
/// "normal" (every comparison with NaN is false), so it is an error instead, everywhere.
public struct NonFiniteOutputError: Error, CustomStringConvertible, Equatable {
    /// The offending value.
    public let value: Float
    /// Index of the image among those scored in the call that found it.
    public let imageIndex: Int
    /// The image's file, once a caller knows it.
    public let file: String?

    /// Creates the error for image `imageIndex` of a call.
    public init(value: Float, imageIndex: Int, file: String? = nil) {
        self.value = value
        self.imageIndex = imageIndex
        self.file = file
    }

    /// The same error for an image `offset` places further on.
    func shifted(by offset: Int) -> NonFiniteOutputError { NonFiniteOutputError(value: value, imageIndex: imageIndex + offset, file: file) }

    /// The same error naming the image's file.
    public func naming(_ file: String) -> NonFiniteOutputError { NonFiniteOutputError(value: value, imageIndex: imageIndex, file: file) }

    public var description: String {
        "the model's output is \(value) for \(file ?? "image \(imageIndex)"), not a number that can be a probability: "
            + "its weights are damaged or its training diverged; use an earlier checkpoint or train again"
    }
}
