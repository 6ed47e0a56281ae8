// A convolution's input gradient through its columns: dCols [pixels, KH·KW·Cin] = dY·Wᵀ as one GEMM
// (the HWIO filter is Wᵀ's storage, read transposed), then each dX element sums the columns that
// came from it (wgsl/columns.ts). conv2d.ts takes this path where dX has too few channels for
// shared-row GEMM tiles (tiles.ts) but the columns have enough: an image's first layer (3 channels),
// whose input gradient every gradient-at-the-input method needs. There the per-lane kernel spends
// a 4-column tile on 3 channels: ResNet50V2's 7×7/2 stem took 36 ms by phases, 14–15 ms this way (its
// GEMM ~10 ms, the fold 3.6–5 ms; dispatches replayed alone by bench/profile.ts, lavapipe).
import { dispatch, empty, groupsFor, type Tensor } from '../tensor/index.js';
import type { ConvGeometry } from './conv2d.js';
import { gemm, maxBindingBytes, useSharedRows, windowOf } from './matmul.js';
import { columnsToImageKernel } from './wgsl/columns.js';

/** Floats of one image's columns. */
export const columnsPerImage = (g: ConvGeometry) => g.OH * g.OW * g.KH * g.KW * g.Cin;

/**
 * Whether the columns path pays for `g`'s input gradient: dX's channels are too few for shared
 * tiles, the columns' are enough, there is more than one tap to fold, and one image's columns
 * fit a binding.
 */
export function columnsPay(g: ConvGeometry): boolean {
  const dxRows = (g.batch * g.H * g.W) / (g.strides[0] * g.strides[1]);
  return (
    g.KH * g.KW > 1 &&
    !useSharedRows(dxRows, g.Cin) &&
    useSharedRows(g.batch * g.OH * g.OW, g.KH * g.KW * g.Cin) &&
    (columnsPerImage(g) + 64) * 4 <= maxBindingBytes()
  );
}

/** dX for dY `gy`, in chunks of whole images (`chunks`, each of whose columns fit a binding). */
export function columnsInputGradient(g: ConvGeometry, gy: Tensor, w: Tensor, chunks: [number, number][]): Tensor {
  const dx = empty([g.batch, g.H, g.W, g.Cin]);
  const taps = g.KH * g.KW * g.Cin;
  const dyPer = g.OH * g.OW * g.Cout,
    dxPer = g.H * g.W * g.Cin;
  for (const [n0, n1] of chunks) {
    const pixels = (n1 - n0) * g.OH * g.OW;
    const cols = empty([pixels, taps]);
    gemm({
      a: { buffer: gy.buffer, rows: pixels, cols: g.Cout, offset: n0 * dyPer },
      transposeA: false,
      b: { buffer: w.buffer, rows: taps, cols: g.Cout },
      transposeB: true,
      y: { buffer: cols.buffer, rows: pixels, cols: taps },
    });
    const n = (n1 - n0) * dxPer;
    const dxw = windowOf(dx.buffer, n0 * dxPer, n1 * dxPer);
    dispatch({
      wgsl: columnsToImageKernel(g.dilations[0] === 1 && g.dilations[1] === 1),
      bindings: [cols.buffer, dxw.binding],
      ints: [n, g.H, g.W, g.Cin, g.OH, g.OW, g.KH, g.KW, g.strides[0], g.strides[1], g.dilations[0], g.dilations[1], g.pad.top, g.pad.left, 0, dxw.base],
      workgroups: groupsFor(n, 256),
      flops: n * g.KH * g.KW,
    });
    cols.dispose();
  }
  return dx;
}
