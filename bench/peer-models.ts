// The full-size networks on the peer: the same tfjs-layers topologies the weight-conversion tests
// check our definitions against (test/fixtures/keras-applications.ts: Keras' ResNet50V2 and VGG16
// transcribed layer by layer, InceptionV3 from the Keras model JSON the nsfwjs package ships),
// with tfjs-layers' own random initial weights, run on whatever backend `tf` has set (webgpu here).
import type { Tensor } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { kerasInceptionv3, kerasResnet50v2, kerasVgg16 } from '../test/fixtures/keras-applications.js';
import type { Tf } from './peer-tfjs.js';

export interface PeerModel {
  /** What forward computes, when it is less than the whole network. */
  partial?: string;
  /** Logits of x (or the output of the part named by `partial`). */
  forward(x: Tensor): Tensor;
  /** ∂logit[classIndex]/∂x by tf.grad through the whole network. */
  inputGradient(x: Tensor, classIndex: number): Tensor;
  dispose(): void;
}

async function build(tflayers: typeof tfl, name: string): Promise<{ model: tfl.LayersModel; partial?: string }> {
  switch (name) {
    case 'resnet50v2':
      return { model: kerasResnet50v2() };
    case 'vgg16': {
      // fc1's weight (25088 × 4096 floats, 392 MiB) is one binding for tfjs-webgpu, over lavapipe's
      // 128 MiB limit: its command buffers fail validation and nothing runs. The convolutional
      // body (everything up to the flatten, 99 % of the forward's work) does run.
      const full = kerasVgg16();
      const body = tflayers.model({ inputs: full.inputs, outputs: full.getLayer('flatten').output as tfl.SymbolicTensor });
      return { model: body, partial: 'conv body only (fc1 > 128 MiB binding)' };
    }
    case 'inceptionv3':
      return { model: await kerasInceptionv3() };
    default:
      throw new Error(`no tfjs-layers peer for '${name}'`);
  }
}

export async function tfjsLayersPeer(tf: Tf, name: string): Promise<PeerModel> {
  const { model, partial } = await build(tfl, name);
  const outputs = model.outputs[0].shape[1] as number;
  return {
    partial,
    forward: (x) => model.predict(x) as Tensor,
    inputGradient: (x, classIndex) => {
      const oneHot = tf.oneHot([classIndex], outputs).toFloat();
      const g = tf.grad((t: Tensor) => tf.sum(tf.mul(model.apply(t) as Tensor, oneHot)))(x);
      oneHot.dispose();
      return g;
    },
    dispose: () => model.dispose(),
  };
}

/**
 * Collects WebGPU validation errors of tfjs' device: a failed command buffer is dropped without
 * an exception, so a "measurement" could time nothing at all.
 */
export function peerErrors(tf: Tf): { take(): string[]; stop(): void } {
  const errors: string[] = [];
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  const listener = (event: Event) => errors.push((event as GPUUncapturedErrorEvent).error.message.split('\n')[0]);
  device?.addEventListener('uncapturederror', listener);
  return { take: () => errors.splice(0), stop: () => device?.removeEventListener('uncapturederror', listener) };
}
