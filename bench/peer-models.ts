// The full-size networks on the peer: the same tfjs-layers topologies the weight-conversion tests
// check our definitions against (test/fixtures/keras-applications.ts: Keras' ResNet50V2 and VGG16
// transcribed layer by layer, InceptionV3 from the Keras model JSON the nsfwjs package ships),
// with tfjs-layers' own random initial weights, run on whatever backend `tf` has set (webgpu here).
import type { Tensor } from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { kerasInceptionv3, kerasResnet50v2, kerasVgg16 } from '../test/fixtures/keras-applications.js';
import type { Tf } from './peer-tfjs.js';

export interface PeerModel {
  /** Logits of x. */
  forward(x: Tensor): Tensor;
  /** ∂logit[classIndex]/∂x by tf.grad through the whole network. */
  inputGradient(x: Tensor, classIndex: number): Tensor;
  dispose(): void;
}

async function build(name: string): Promise<tfl.LayersModel> {
  switch (name) {
    case 'resnet50v2':
      return kerasResnet50v2();
    case 'vgg16':
      return kerasVgg16();
    case 'inceptionv3':
      return kerasInceptionv3();
    default:
      throw new Error(`no tfjs-layers peer for '${name}'`);
  }
}

export async function tfjsLayersPeer(tf: Tf, name: string): Promise<PeerModel> {
  const model = await build(name);
  const classes = (model.outputs[0].shape[1] as number | null) ?? 1000;
  return {
    forward: (x) => model.predict(x) as Tensor,
    inputGradient: (x, classIndex) => {
      const oneHot = tf.oneHot([classIndex], classes).toFloat();
      const g = tf.grad((t: Tensor) => tf.sum(tf.mul(model.apply(t) as Tensor, oneHot)))(x);
      oneHot.dispose();
      return g;
    },
    dispose: () => model.dispose(),
  };
}
