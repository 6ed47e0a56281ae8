// The conformance run over a directory of ONNX node tests, one test at a time on the GPU.
import { listTests } from './select.js';
import { runNodeTest, type NodeTestResult } from './node-test.js';
import { DEFAULT_TOLERANCE, type Tolerance } from './compare.js';

export interface ConformanceSummary {
  results: NodeTestResult[];
  passed: number;
  failed: number;
  unsupported: number;
}

export interface ConformanceOptions {
  tolerance?: Tolerance;
  /** Only tests whose name matches. */
  match?: RegExp;
  /** Called after each test, e.g. to print it. */
  onResult?: (r: NodeTestResult) => void;
}

export async function runConformance(root: string, options: ConformanceOptions = {}): Promise<ConformanceSummary> {
  const results: NodeTestResult[] = [];
  for (const name of listTests(root, options.match)) {
    const r = await runNodeTest(root, name, options.tolerance ?? DEFAULT_TOLERANCE);
    results.push(r);
    options.onResult?.(r);
  }
  const count = (s: NodeTestResult['status']) => results.filter((r) => r.status === s).length;
  return { results, passed: count('passed'), failed: count('failed'), unsupported: count('unsupported') };
}

/** The last line of a run, exactly as the CLI prints it. */
export function summaryLine(s: ConformanceSummary): string {
  return `${s.passed} passed, ${s.failed} failed, ${s.unsupported} unsupported`;
}
