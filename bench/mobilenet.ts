// MobileNetV2 with the real weights the nsfwjs package ships (its TF.js layers model, imported by the
// converter as a user would): our forward and Grad-CAM at the automatic target `out_relu` (one forward
// + one backward + the map), against tfjs-layers' forward of the same model.json on tfjs-backend-webgpu
// on the same adapter (tfjs has no Grad-CAM; its forward is the floor of one).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor, tidy } from '../src/tensor/index.js';
import { computeLowres } from '../src/methods/index.js';
import { loadModel } from '../src/models/load.js';
import type { Model } from '../src/models/index.js';
import { convertWeights } from '../tools/convert-weights/to-native.js';
import { ensureNsfwjsModel } from '../test/fixtures/nsfwjs-models.js';
import { loadTfjsLayersModel } from '../test/fixtures/tfjs-layers-reference.js';
import { randomImage } from './models.js';
import { peerErrors } from './peer-models.js';
import type { Tf } from './peer-tfjs.js';
import type { BenchRow, Suite } from './rows.js';
import type { Step } from './timing.js';

/** nsfwjs' MobileNetV2 converted as a user would, and its TF.js model.json (the peer's input). */
export async function nsfwjsMobilenet(): Promise<{ model: Model; modelJson: string; dispose(): void }> {
  const modelJson = ensureNsfwjsModel('nsfwjs-mobilenet-v2');
  const dir = mkdtempSync(join(tmpdir(), 'gradscope-bench-mobilenet-'));
  const out = join(dir, 'nsfwjs-mobilenet-v2.safetensors');
  await convertWeights({ input: modelJson, out });
  const model = await loadModel(out);
  return {
    model,
    modelJson,
    dispose: () => {
      model.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function mobilenetSuite(tf: Tf | undefined, pairs: number): Suite {
  return {
    name: 'mobilenetv2',
    build: async () => {
      const loaded = await nsfwjsMobilenet();
      const { model, modelJson } = loaded;
      const target = model.definition.defaultTarget;
      const x = tensor(randomImage(224), [1, 224, 224, 3]);
      const peer = tf ? await loadTfjsLayersModel(modelJson, tf) : undefined;
      const tx = tf?.tensor4d(randomImage(224), [1, 224, 224, 3]);
      const errors = tf ? peerErrors(tf) : undefined;
      const theirsFailure = () => errors?.take()[0];
      const peerForward: Step | undefined =
        peer &&
        tx &&
        (async () => {
          const y = peer.predict(tx) as ReturnType<Tf['tensor']>;
          await y.data();
          y.dispose();
        });
      const forward: Step = async () => {
        const r = tidy(() => model.run(x));
        await r.logits.read();
        r.logits.dispose();
      };
      const gradcam: Step = async () => void (await computeLowres(model, x, { method: 'gradcam', node: target }));
      const theirsName = 'tfjs-webgpu forward';
      const rows: BenchRow[] = [
        { name: 'mobilenetv2 (nsfwjs weights) forward (224)', ours: forward, theirs: peerForward, theirsName, pairs, warmup: 1, theirsFailure },
        {
          name: `mobilenetv2 (nsfwjs weights) Grad-CAM at ${target} (224)`,
          ours: gradcam,
          theirs: peerForward,
          theirsName,
          pairs,
          warmup: 1,
          theirsFailure,
          target: '< 1',
        },
      ];
      return {
        rows,
        dispose: () => {
          loaded.dispose();
          x.dispose();
          peer?.dispose();
          tx?.dispose();
          errors?.stop();
        },
      };
    },
  };
}
