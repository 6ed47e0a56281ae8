// A small builder for native definitions: each call appends one named node and returns its name,
// so definitions read like the Keras code they mirror. 4-D nodes get the builder's current role.
import type { Padding } from '../ops/padding.js';
import type { Activation, Graph, GraphNode, OpKind, Pair, PaddingSpec, Role } from './graph.js';
import type { NodeOf } from './op-descriptor.js';

export interface ConvOptions {
  strides?: number | Pair;
  padding?: PaddingSpec;
  useBias?: boolean;
  activation?: Activation;
}

const pair = (v: number | Pair): Pair => (typeof v === 'number' ? [v, v] : v);

export class GraphBuilder {
  private readonly nodes: GraphNode[] = [];
  private readonly names = new Set<string>();
  /** Role given to the 4-D nodes added next; undefined for the classifier head. */
  role: Role | undefined = 'feature-map';

  private push(node: GraphNode): string {
    if (this.names.has(node.name)) throw new Error(`duplicate node name '${node.name}'`);
    this.names.add(node.name);
    this.nodes.push(this.role === undefined ? node : { ...node, role: this.role });
    return node.name;
  }

  /** Runs fn with `role` as the current role, then restores the previous one. */
  inRole<T>(role: Role, fn: () => T): T {
    const previous = this.role;
    this.role = role;
    try {
      return fn();
    } finally {
      this.role = previous;
    }
  }

  /** Any op by its kind and attributes (the convenience methods below cover the common ones). */
  node<K extends OpKind>(op: K, name: string, inputs: string[], attrs: NodeOf<K>['attrs']): string {
    return this.push({ name, op, inputs, attrs } as NodeOf<K>);
  }

  input(name: string, height: number, width: number, channels: number): string {
    return this.push({ name, op: 'input', inputs: [], attrs: { height, width, channels } });
  }

  conv2d(name: string, x: string, filters: number, kernel: number | Pair, o: ConvOptions = {}): string {
    const attrs: Extract<GraphNode, { op: 'conv2d' }>['attrs'] = {
      filters,
      kernel: pair(kernel),
      strides: pair(o.strides ?? 1),
      dilations: [1, 1],
      padding: o.padding ?? 'valid',
      useBias: o.useBias ?? true,
    };
    if (o.activation) attrs.activation = o.activation;
    return this.push({ name, op: 'conv2d', inputs: [x], attrs });
  }

  batchNorm(name: string, x: string, epsilon: number, o: { center?: boolean; scale?: boolean } = {}): string {
    return this.push({ name, op: 'batchnorm', inputs: [x], attrs: { epsilon, center: o.center ?? true, scale: o.scale ?? true } });
  }

  relu(name: string, x: string): string {
    return this.push({ name, op: 'relu', inputs: [x], attrs: {} });
  }

  add(name: string, a: string, b: string): string {
    return this.push({ name, op: 'add', inputs: [a, b], attrs: {} });
  }

  pad(name: string, x: string, padding: Padding): string {
    return this.push({ name, op: 'pad', inputs: [x], attrs: { padding } });
  }

  maxPool(name: string, x: string, kernel: number | Pair, strides: number | Pair, padding: PaddingSpec = 'valid'): string {
    return this.push({ name, op: 'maxpool', inputs: [x], attrs: { kernel: pair(kernel), strides: pair(strides), padding } });
  }

  avgPool(name: string, x: string, kernel: number | Pair, strides: number | Pair, padding: PaddingSpec, countIncludePad: boolean): string {
    return this.push({ name, op: 'avgpool', inputs: [x], attrs: { kernel: pair(kernel), strides: pair(strides), padding, countIncludePad } });
  }

  concat(name: string, xs: string[]): string {
    return this.push({ name, op: 'concat', inputs: xs, attrs: { axis: -1 } });
  }

  globalAvgPool(name: string, x: string): string {
    return this.push({ name, op: 'globalavgpool', inputs: [x], attrs: {} });
  }

  flatten(name: string, x: string): string {
    return this.push({ name, op: 'flatten', inputs: [x], attrs: { order: 'nhwc' } });
  }

  dense(name: string, x: string, units: number, activation?: Activation): string {
    const attrs: Extract<GraphNode, { op: 'dense' }>['attrs'] = { units, useBias: true };
    if (activation) attrs.activation = activation;
    return this.push({ name, op: 'dense', inputs: [x], attrs });
  }

  identity(name: string, x: string, was: string): string {
    return this.push({ name, op: 'identity', inputs: [x], attrs: { was } });
  }

  build(): Graph {
    return { nodes: [...this.nodes] };
  }
}

/** Symmetric zero padding of `p` pixels on every side (Keras ZeroPadding2D(p)). */
export function uniformPadding(p: number): Padding {
  return { top: p, bottom: p, left: p, right: p };
}
