// The independent reference: TensorFlow.js on its plain-JavaScript CPU backend.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tf.grad needs the gradient definitions, which tfjs-core only registers through this module.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';

let ready: Promise<typeof tf> | undefined;

export function tfjs(): Promise<typeof tf> {
  ready ??= tf.setBackend('cpu').then(() => tf.ready()).then(() => tf);
  return ready;
}

export type Tf = typeof tf;
