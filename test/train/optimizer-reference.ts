// Float64 references for the optimizer updates, written plainly from the papers' formulas.

/** AdamW (Loshchilov & Hutter; PyTorch's AdamW): decoupled decay, bias-corrected moments. */
export function adamwReference(p0: Float32Array, grads: Float32Array[], lrs: number[], wd: number, beta1 = 0.9, beta2 = 0.999, eps = 1e-8): Float64Array {
  const p = Float64Array.from(p0);
  const m = new Float64Array(p.length),
    v = new Float64Array(p.length);
  grads.forEach((g, s) => {
    const t = s + 1;
    for (let i = 0; i < p.length; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      const mHat = m[i] / (1 - beta1 ** t);
      const vHat = v[i] / (1 - beta2 ** t);
      p[i] -= lrs[s] * (mHat / (Math.sqrt(vHat) + eps) + wd * p[i]);
    }
  });
  return p;
}

/** Heavy-ball SGD with L2 decay added to the gradient (torch.optim.SGD, dampening 0, no Nesterov). */
export function sgdMomentumReference(p0: Float32Array, grads: Float32Array[], lrs: number[], wd: number, momentum = 0.9): Float64Array {
  const p = Float64Array.from(p0);
  const u = new Float64Array(p.length);
  grads.forEach((g, s) => {
    for (let i = 0; i < p.length; i++) {
      u[i] = momentum * u[i] + g[i] + wd * p[i];
      p[i] -= lrs[s] * u[i];
    }
  });
  return p;
}
