// The entry point shared by kernels with one invocation per element: 256-wide workgroups on the
// grid that groupsFor(n, 256) gives, folded into 2-D for large n, so the index must unfold it.

/**
 * `@compute fn main` running `body` with `i` (i32) the element index, for i < p.n only; the
 * kernel's `p` uniform must have an `n: i32` field.
 */
export const flatKernelMain = (body: string) => /* wgsl */ `
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = i32(gid.x + gid.y * nwg.x * 256u);
  if (i >= p.n) { return; }
  ${body}
}`;
