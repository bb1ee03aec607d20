import Engine

extension Sequential {
    /// The steps of `trainStep` (forward in training mode, loss, backward, update), also
    /// handing back the logits so the training accuracy is counted without a second forward.
    func trainStepKeepingLogits(input: Tensor, targets: Tensor, loss: Loss, optimizer: Optimizer) throws -> (loss: Tensor, logits: Tensor) {
        let logits = try forward(input, mode: .training)
        let value = try loss.forward(logits: logits, targets: targets)
        try backwardToParameters(try loss.backward())
        try optimizer.step(parameters)
        return (value, logits)
    }
}
