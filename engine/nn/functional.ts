// torch.nn.functional: the function forms of the layers, activations and losses (files in fn/).
export type { Reduction, LossOptions } from "./fn/reduction";
export { relu, tanh, sigmoid, softmax, logSoftmax, leakyRelu, elu, gelu, silu, softplus, dropout } from "./fn/pointwise";
export { linear, bilinear, embedding, type EmbeddingOptions } from "./fn/linear";
export {
  mseLoss, l1Loss, smoothL1Loss, huberLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, klDiv,
  type BCEOptions, type BCEWithLogitsOptions, type KLDivOptions,
} from "./fn/regression";
export { nllLoss, crossEntropy, oneHot, type NLLLossOptions, type CrossEntropyOptions } from "./fn/classification";
export { layerNorm, batchNorm, normalize, cosineSimilarity, type BatchNormOptions, type NormalizeOptions } from "./fn/norm";
export { conv1d, conv2d, maxPool2d, avgPool2d, pad, type ConvOptions, type PoolOptions, type PadMode } from "./fn/conv";
