/** Grading benchmarks (filled in with the exercises). */
export async function runGradingBenchmarks(): Promise<{ name: string; text: string }[]> {
  return [];
}
