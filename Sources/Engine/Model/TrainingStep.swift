extension Graph {
    /// One step of gradient descent on a batch: forward in training mode, loss, backward,
    /// optimizer update. Returns the batch loss as a one-element tensor and the logits, both
    /// still on the device until the caller wants them.
    @discardableResult
    public func trainStep(input: Tensor, targets: Tensor, loss: Loss, optimizer: Optimizer) throws -> (loss: Tensor, logits: Tensor) {
        try input.context.repeating(Graph.trainingRegion(input.shape)) {
            let logits = try forward(input, mode: .training)
            let value = try loss.forward(logits: logits, targets: targets)
            try backwardToParameters(try loss.backward())
            try optimizer.step(parameters)
            return (value, logits)
        }
    }

    /// The key under which a training step on inputs of `shape` plans its memory (see
    /// `ComputeContext.repeating`); a profiled step uses it too, so that it runs on the same
    /// plan as the steps it stands for.
    public static func trainingRegion(_ shape: [Int]) -> String { "training \(shape)" }
}
