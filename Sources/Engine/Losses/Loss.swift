/// A training objective on logits: a scalar that stays on the device, and its gradient.
///
/// Weighted losses follow PyTorch's `reduction='none'` per sample, multiplied by the weight
/// of the sample's class, then averaged over the batch: loss = (1/N) * sum_i w[y_i] * l_i.
/// (PyTorch's own weighted `reduction='mean'` divides by sum_i w[y_i] instead of N.)
public protocol Loss: AnyObject {
    /// The loss's name in reports and configuration files, e.g. `BinaryCrossEntropy`.
    var kind: String { get }
    /// The batch loss as a `[1]` tensor on the device; keeps what `backward` needs.
    func forward(logits: Tensor, targets: Tensor) throws -> Tensor
    /// The batch loss of mixed images: each sample's target is the blend of its two labels and
    /// its weight the same blend of their class weights. Keeps what `backward` needs.
    func forward(logits: Tensor, mixed: MixedLabels) throws -> Tensor
    /// dLoss/dlogits for the last forward (of either kind), shaped like those logits.
    func backward() throws -> Tensor
}

extension Loss {
    /// Throws unless every weight is finite and non-negative.
    static func validate(classWeights: [Float], for loss: String) throws {
        if let bad = classWeights.first(where: { !$0.isFinite || $0 < 0 }) {
            throw EngineError.invalidConfiguration(
                "\(loss) class weights must be finite and non-negative, got \(bad) in \(classWeights)")
        }
    }

    /// Throws unless the label smoothing is a number in [0, 1).
    static func validate(labelSmoothing: Float, for loss: String) throws {
        guard labelSmoothing >= 0, labelSmoothing < 1 else {
            throw EngineError.invalidConfiguration(
                "\(loss) label smoothing must be in [0, 1), got \(labelSmoothing); 0.1 is a common choice, 0 turns it off")
        }
    }

    /// The error for a backward call with no forward before it.
    static func missingForward(_ loss: String) -> EngineError {
        .invalidConfiguration("\(loss).backward was called before forward(logits:targets:); call forward first")
    }
}
