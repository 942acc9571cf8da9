/** bnn-mlp: Binarized Neural Network MLP (MODELS.md section 2): model, forward pass, artifact tensors. */
export * from './model';
