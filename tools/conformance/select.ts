// Which ONNX backend tests a conformance run attempts: every test directory in the folder, none
// chosen by op name (a test of an op the importer lacks counts as unsupported, with its reason),
// optionally narrowed by a name pattern the user gives.
import { readdirSync } from 'node:fs';

/** Default location: Debian's libonnx-testdata package (its siblings pytorch-converted and pytorch-operator work too). */
export const DEFAULT_NODE_TESTS = '/usr/share/libonnx-testdata/data/node';

/** Every sub-directory of `root` (each is one test), sorted by name. */
export function listTests(root: string, match?: RegExp): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && (!match || match.test(e.name)))
    .map((e) => e.name)
    .sort();
}
