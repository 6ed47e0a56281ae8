// The reference for gradient flow: a graph evaluated node by node with tfjs-core ops (CPU backend),
// with a residual block's two paths fed by two separate copies of its input. tf.grads of the logit
// with respect to the two copies gives the shortcut part and the branch part of ∂logit/∂x directly
// (the chain rule over a duplicated variable), computed by a different engine from ours.
import type { Tensor as TfTensor, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import type { Graph, GraphNode, PaddingSpec } from '../../src/models/graph.js';
import type { ResidualBlock } from '../../src/analyses/gradflow-blocks.js';
import type { Tf } from '../tfjs.js';

export type Host = Map<string, Float32Array>;
export type Env = Map<string, TfTensor>;

export interface TfGraphOptions {
  /** Factor on input k of node n (the shortcut scale). */
  scales?: Map<string, { input: number; scale: number }>;
}

export class TfGraph {
  constructor(
    private readonly tf: Tf,
    private readonly graph: Graph,
    private readonly host: Host,
    private readonly options: TfGraphOptions = {},
  ) {}

  private p(node: string, kind: string): TfTensor {
    const name = `${node}/${kind}`;
    const data = this.host.get(name);
    if (!data) throw new Error(`no parameter ${name}`);
    return this.tf.tensor(data);
  }

  private padArg(spec: PaddingSpec): 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
    if (spec === 'same' || spec === 'valid') return spec;
    return [
      [0, 0],
      [spec.top, spec.bottom],
      [spec.left, spec.right],
      [0, 0],
    ];
  }

  /** One node on its inputs (already scaled). */
  private evaluate(node: GraphNode, xs: TfTensor[]): TfTensor {
    const tf = this.tf;
    const x = xs[0];
    const act = (y: TfTensor, a?: string) => (a === 'relu' ? tf.relu(y) : y);
    switch (node.op) {
      case 'conv2d': {
        const a = node.attrs;
        const shape: [number, number, number, number] = [a.kernel[0], a.kernel[1], x.shape[3] as number, a.filters];
        let y: TfTensor = tf.conv2d(
          x as Tensor4D,
          tf.reshape(this.p(node.name, 'kernel'), shape) as Tensor4D,
          a.strides,
          this.padArg(a.padding),
          'NHWC',
          a.dilations,
        );
        if (a.useBias) y = tf.add(y, this.p(node.name, 'bias'));
        return act(y, a.activation);
      }
      case 'batchnorm': {
        const a = node.attrs;
        let y = tf.div(tf.sub(x, this.p(node.name, 'moving_mean')), tf.sqrt(tf.add(this.p(node.name, 'moving_variance'), a.epsilon)));
        if (a.scale) y = tf.mul(y, this.p(node.name, 'gamma'));
        if (a.center) y = tf.add(y, this.p(node.name, 'beta'));
        return act(y, a.activation);
      }
      case 'relu':
        return tf.relu(x);
      case 'add':
        return tf.add(xs[0], xs[1]);
      case 'maxpool': {
        const a = node.attrs;
        if (a.padding !== 'valid' && a.padding !== 'same') throw new Error('reference maxpool: valid or same padding only');
        return tf.maxPool(x as Tensor4D, a.kernel, a.strides, a.padding);
      }
      case 'pad': {
        const q = node.attrs.padding;
        return tf.pad(
          x,
          [
            [0, 0],
            [q.top, q.bottom],
            [q.left, q.right],
            [0, 0],
          ],
          node.attrs.value ?? 0,
        );
      }
      case 'globalavgpool':
        return tf.mean(x, [1, 2]);
      case 'dense': {
        const a = node.attrs;
        const w = tf.reshape(this.p(node.name, 'kernel'), [x.shape[1] as number, a.units]);
        let y: TfTensor = tf.matMul(x as Tensor2D, w as Tensor2D);
        if (a.useBias) y = tf.add(y, this.p(node.name, 'bias'));
        return act(y, a.activation);
      }
      case 'identity':
        return x;
      default:
        throw new Error(`reference: op ${node.op} is not supported`);
    }
  }

  private inputsOf(node: GraphNode, env: Env): TfTensor[] {
    const scale = this.options.scales?.get(node.name);
    return node.inputs.map((n, k) => {
      const v = env.get(n);
      if (!v) throw new Error(`reference: '${node.name}' reads '${n}', which has no value`);
      return scale && scale.input === k ? this.tf.mul(v, scale.scale) : v;
    });
  }

  /** Evaluates every node not yet in env, in graph order; returns env (the logits under the last node's name). */
  run(env: Env, only?: ReadonlySet<string>): Env {
    for (const node of this.graph.nodes) {
      if (node.op === 'input' || env.has(node.name) || (only && !only.has(node.name))) continue;
      env.set(node.name, this.evaluate(node, this.inputsOf(node, env)));
    }
    return env;
  }

  forward(x: TfTensor): Env {
    return this.run(new Map([[this.graph.nodes[0].name, x]]));
  }

  logitsOf(env: Env): TfTensor {
    return env.get(this.graph.nodes[this.graph.nodes.length - 1].name) as TfTensor;
  }

  /**
   * The class logit as a function of two copies of the block input: the shortcut path reads
   * `skipX`, the branch path `branchX`; every tensor the block does not depend on is taken from `before`.
   */
  splitLogit(block: ResidualBlock, before: Env, cls: number): (skipX: TfTensor, branchX: TfTensor) => TfTensor {
    return (skipX, branchX) => {
      const path = (x: TfTensor, nodes: string[], edge: string) => {
        if (edge === block.blockInput) return x;
        return this.run(new Map([[block.blockInput, x]]), new Set(nodes)).get(edge) as TfTensor;
      };
      const skip = path(skipX, block.skipPath, block.skipSource);
      const branch = path(branchX, block.branchPath, block.branchSource);
      const env: Env = new Map();
      const pos = this.graph.nodes.findIndex((n) => n.name === block.blockInput);
      for (const n of this.graph.nodes.slice(0, pos)) env.set(n.name, before.get(n.name) as TfTensor);
      for (const n of [...block.skipPath, ...block.branchPath]) env.set(n, this.tf.zeros([1]));
      const addNode = this.graph.nodes.find((n) => n.name === block.add) as GraphNode;
      const xs = block.skipInput === 0 ? [skip, branch] : [branch, skip];
      env.set(block.add, this.evaluate(addNode, this.inputsOf(addNode, new Map(addNode.inputs.map((n, k) => [n, xs[k]])))));
      env.set(block.blockInput, skipX);
      const logits = this.logitsOf(this.run(env));
      return this.tf.squeeze(this.tf.slice(logits, [0, cls], [1, 1]));
    };
  }

  /** The class logit as a function of one node's tensor (for Grad-CAM at that node). */
  logitFrom(node: string, before: Env, cls: number): (a: TfTensor) => TfTensor {
    return (a) => {
      const pos = this.graph.nodes.findIndex((n) => n.name === node);
      const env: Env = new Map();
      for (const n of this.graph.nodes.slice(0, pos)) env.set(n.name, before.get(n.name) as TfTensor);
      env.set(node, a);
      return this.tf.squeeze(this.tf.slice(this.logitsOf(this.run(env)), [0, cls], [1, 1]));
    };
  }
}
