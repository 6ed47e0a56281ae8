// The independent reference: TensorFlow.js on its plain-JavaScript CPU backend.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

let ready: Promise<typeof tf> | undefined;

export function tfjs(): Promise<typeof tf> {
  ready ??= tf.setBackend('cpu').then(() => tf.ready()).then(() => tf);
  return ready;
}

export type Tf = typeof tf;
