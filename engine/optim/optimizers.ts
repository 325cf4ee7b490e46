// torch.optim: the optimizers, one file per algorithm, and the base class with parameter groups and state.
export { Optimizer, type OptimizerStateDict, type ParamGroup, type ParamGroupInput, type Params, type ZeroGradOptions } from "./optimizer";
export { SGD, type SGDOptions } from "./sgd";
export { Adam, AdamW, type AdamOptions } from "./adam";
export { RMSprop, type RMSpropOptions } from "./rmsprop";
export { Adagrad, type AdagradOptions } from "./adagrad";
