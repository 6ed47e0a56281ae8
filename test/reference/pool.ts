// Plain float64 pooling over NHWC, written from the definitions for the tests: every window is
// walked over the padded input cell by cell. Padded cells are −∞ for max and 0 for average.
// Dilation d puts a window's taps d cells apart (ONNX MaxPool/AveragePool `dilations`).

export type Shape4 = [number, number, number, number];

export interface PoolRefOptions {
  kernel: [number, number];
  strides: [number, number];
  pad: { top: number; bottom: number; left: number; right: number };
  ceilMode: boolean;
  /** Default [1, 1]. */
  dilations?: [number, number];
}

/** PyTorch's pooling_output_shape, including the ceil-mode start rule. */
export function refOutputSize(size: number, before: number, after: number, k: number, s: number, ceilMode: boolean, d = 1): number {
  let out = Math.floor((size + before + after - d * (k - 1) - 1 + (ceilMode ? s - 1 : 0)) / s) + 1;
  if (ceilMode && (out - 1) * s >= size + before) out--;
  return out;
}

interface Cell {
  /** Row and column in the input; outside [0, H) × [0, W) means a padded cell. */
  r: number;
  q: number;
  real: boolean;
  /** Inside the input or its explicit padding (not the ceil-mode overhang). */
  inPadded: boolean;
}

/** Calls visit(n, oh, ow, cells) for every output position, cells in row-major window order. */
function forEachWindow(shape: Shape4, o: PoolRefOptions, visit: (n: number, oh: number, ow: number, cells: Cell[]) => void): Shape4 {
  const [N, H, W, C] = shape;
  const [kh, kw] = o.kernel;
  const [sh, sw] = o.strides;
  const [dh, dw] = o.dilations ?? [1, 1];
  const OH = refOutputSize(H, o.pad.top, o.pad.bottom, kh, sh, o.ceilMode, dh);
  const OW = refOutputSize(W, o.pad.left, o.pad.right, kw, sw, o.ceilMode, dw);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const cells: Cell[] = [];
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            const r = oh * sh - o.pad.top + i * dh;
            const q = ow * sw - o.pad.left + j * dw;
            const real = r >= 0 && r < H && q >= 0 && q < W;
            const inPadded = r >= -o.pad.top && r < H + o.pad.bottom && q >= -o.pad.left && q < W + o.pad.right;
            cells.push({ r, q, real, inPadded });
          }
        }
        visit(n, oh, ow, cells);
      }
    }
  }
  return [N, OH, OW, C];
}

const at = (shape: Shape4, n: number, r: number, q: number, c: number) => ((n * shape[1] + r) * shape[2] + q) * shape[3] + c;

/** Index of the first maximum (row-major window order) among the real cells; padded cells are −∞. */
function argmax(x: ArrayLike<number>, shape: Shape4, n: number, c: number, cells: Cell[]): number {
  let best = -Infinity;
  let where = -1;
  for (const cell of cells) {
    if (!cell.real) continue;
    const i = at(shape, n, cell.r, cell.q, c);
    if (where < 0 || x[i] > best) {
      best = x[i];
      where = i;
    }
  }
  return where;
}

export function maxPoolRef(x: ArrayLike<number>, shape: Shape4, o: PoolRefOptions): { y: Float64Array; shape: Shape4 } {
  const out: number[] = [];
  const yShape = forEachWindow(shape, o, (n, _oh, _ow, cells) => {
    for (let c = 0; c < shape[3]; c++) out.push(x[argmax(x, shape, n, c, cells)]);
  });
  return { y: Float64Array.from(out), shape: yShape };
}

/** Gradient of Σ gy·maxPool(x): each window's gy goes to its first maximum. */
export function maxPoolGradRef(x: ArrayLike<number>, shape: Shape4, o: PoolRefOptions, gy: ArrayLike<number>): Float64Array {
  const gx = new Float64Array(x.length);
  let k = 0;
  forEachWindow(shape, o, (n, _oh, _ow, cells) => {
    for (let c = 0; c < shape[3]; c++) gx[argmax(x, shape, n, c, cells)] += gy[k++];
  });
  return gx;
}

function divisorOf(cells: Cell[], countIncludePad: boolean): number {
  return cells.filter((cell) => (countIncludePad ? cell.inPadded : cell.real)).length;
}

export function avgPoolRef(x: ArrayLike<number>, shape: Shape4, o: PoolRefOptions, countIncludePad: boolean): { y: Float64Array; shape: Shape4 } {
  const out: number[] = [];
  const yShape = forEachWindow(shape, o, (n, _oh, _ow, cells) => {
    const d = divisorOf(cells, countIncludePad);
    for (let c = 0; c < shape[3]; c++) {
      let s = 0;
      for (const cell of cells) if (cell.real) s += x[at(shape, n, cell.r, cell.q, c)];
      out.push(s / d);
    }
  });
  return { y: Float64Array.from(out), shape: yShape };
}

export function avgPoolGradRef(shape: Shape4, o: PoolRefOptions, countIncludePad: boolean, gy: ArrayLike<number>): Float64Array {
  const gx = new Float64Array(shape[0] * shape[1] * shape[2] * shape[3]);
  let k = 0;
  forEachWindow(shape, o, (n, _oh, _ow, cells) => {
    const d = divisorOf(cells, countIncludePad);
    for (let c = 0; c < shape[3]; c++) {
      const g = gy[k++] / d;
      for (const cell of cells) if (cell.real) gx[at(shape, n, cell.r, cell.q, c)] += g;
    }
  });
  return gx;
}

/** Mean over H and W: [N, H, W, C] → [N, C]. */
export function globalAvgPoolRef(x: ArrayLike<number>, shape: Shape4): Float64Array {
  const [N, H, W, C] = shape;
  const y = new Float64Array(N * C);
  for (let n = 0; n < N; n++)
    for (let r = 0; r < H; r++) for (let q = 0; q < W; q++) for (let c = 0; c < C; c++) y[n * C + c] += x[at(shape, n, r, q, c)] / (H * W);
  return y;
}

/** Max over H and W: [N, H, W, C] → [N, C]. */
export function globalMaxPoolRef(x: ArrayLike<number>, shape: Shape4): Float64Array {
  const [N, H, W, C] = shape;
  const y = new Float64Array(N * C).fill(-Infinity);
  for (let n = 0; n < N; n++)
    for (let r = 0; r < H; r++) for (let q = 0; q < W; q++) for (let c = 0; c < C; c++) y[n * C + c] = Math.max(y[n * C + c], x[at(shape, n, r, q, c)]);
  return y;
}

/** n distinct float32 values in [-1, 1), shuffled: every max is unique, and far from ties for central differences. */
export function distinctArray(n: number, rand: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = -1 + (2 * i) / n;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
