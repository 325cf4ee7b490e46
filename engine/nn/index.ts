// The torch.nn namespace: modules, containers, losses, Parameter, functional and init.
import { Module } from "./module";
import { Parameter } from "./parameter";
import { ModuleDict, ModuleList, Sequential } from "./containers";
import { Bilinear, Dropout, Embedding, Flatten, Identity, Linear, Unflatten } from "./layers";
import { ELU, GELU, LeakyReLU, LogSoftmax, ReLU, SiLU, Sigmoid, Softmax, Softplus, Tanh } from "./activations";
import { BatchNorm1d, BatchNorm2d, LayerNorm } from "./normalization";
import { AvgPool2d, Conv1d, Conv2d, MaxPool2d } from "./conv";
import { BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss } from "./losses";
import * as functional from "./functional";
import * as init from "./init";

export { Module, emptyParameterListHint, type LoadStateDictResult } from "./module";
export { Parameter } from "./parameter";
export type { LinearOptions, EmbeddingModuleOptions, FactoryOptions } from "./layers";
export type { LayerNormOptions, BatchNormModuleOptions } from "./normalization";
export type { ConvModuleOptions } from "./conv";
export type { LossModuleOptions } from "./losses";
export type { KaimingOptions, Nonlinearity, FanMode } from "./init";
export * from "./containers";
export * from "./layers";
export { ReLU, LeakyReLU, ELU, GELU, SiLU, Softplus, Tanh, Sigmoid, Softmax, LogSoftmax } from "./activations";
export * from "./normalization";
export * from "./conv";
export * from "./losses";

export const nn = {
  Module,
  Parameter,
  Sequential,
  ModuleList,
  ModuleDict,
  Identity,
  Linear,
  Bilinear,
  Flatten,
  Unflatten,
  Dropout,
  Embedding,
  ReLU,
  LeakyReLU,
  ELU,
  GELU,
  SiLU,
  Softplus,
  Tanh,
  Sigmoid,
  Softmax,
  LogSoftmax,
  LayerNorm,
  BatchNorm1d,
  BatchNorm2d,
  Conv1d,
  Conv2d,
  MaxPool2d,
  AvgPool2d,
  MSELoss,
  L1Loss,
  SmoothL1Loss,
  HuberLoss,
  CrossEntropyLoss,
  NLLLoss,
  BCELoss,
  BCEWithLogitsLoss,
  KLDivLoss,
  // Plain copies of the module namespaces, so missing names can be answered (engine/missing.ts).
  functional: { ...functional } as typeof functional,
  init: { ...init } as typeof init,
};
