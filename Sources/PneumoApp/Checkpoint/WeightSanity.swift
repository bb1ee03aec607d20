/// Checks a checkpoint's values before they reach the device: a model with a non-finite weight
/// or a negative variance gives NaN for every image, and would otherwise be found only at
/// prediction time, one confusing answer at a time.
enum WeightSanity {
    /// Throws a `CheckpointError` naming the first tensor that holds a value no trained model has.
    static func check(_ tensors: [NamedTensor], file: String) throws {
        for tensor in tensors {
            if let index = tensor.values.firstIndex(where: { !$0.isFinite }) {
                throw CheckpointError(
                    file: file, problem: .invalidWeights,
                    detail: "tensor \(tensor.name) holds \(tensor.values[index]) at index \(index); the weights are damaged or training diverged, so use an earlier checkpoint or train again")
            }
            if tensor.name.hasSuffix(".running_var"), let index = tensor.values.firstIndex(where: { $0 < 0 }) {
                throw CheckpointError(
                    file: file, problem: .invalidWeights,
                    detail: "tensor \(tensor.name) holds the negative variance \(tensor.values[index]) at index \(index); a variance cannot be negative, so the file was altered or damaged")
            }
        }
    }
}
