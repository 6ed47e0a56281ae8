export { initGpu, gpu, releaseGpu, NoAdapterError, type Gpu } from './gpu.js';
export { Tensor, tensor, empty, zeros, scalar } from './tensor.js';
export { tidy, keep } from './scope.js';
export { Tape, watch, withOverrides, recordOp, isRecording, type OpRecord, type BackwardContext, type BackwardResult } from './autograd.js';
export { memoryStats, trimPool, type MemoryStats } from './memory.js';
export { dispatch, observeDispatches, flush, groupsFor, copyBuffer, MAX_WORKGROUPS_PER_DIM, type Dispatch } from './kernel.js';
export { flatKernelMain } from './flat-kernel.js';
export { synchronize } from './readback.js';
export { ShapeError, sizeOf, fmt, sameShape, assertRank, assertSameShape, assertPositiveInts, type Shape } from './shape.js';
