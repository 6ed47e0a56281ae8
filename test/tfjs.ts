// The independent reference: TensorFlow.js on its plain-JavaScript CPU backend.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tf.grad needs the gradient definitions, which tfjs-core leaves to the union package to register.
// Its CommonJS build registers them in the same tfjs-core instance as above; tfjs-core's own ESM
// register_all_gradients module would load a second, separate copy of tfjs-core.
import '@tensorflow/tfjs';

let ready: Promise<typeof tf> | undefined;

export function tfjs(): Promise<typeof tf> {
  ready ??= tf
    .setBackend('cpu')
    .then(() => tf.ready())
    .then(() => tf);
  return ready;
}

export type Tf = typeof tf;
