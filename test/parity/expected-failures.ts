// THE list of parity cases our engine does not match yet, each with the reason. The suite asserts
// that each still fails (vitest `it.fails`): when the engine is fixed, that test fails and says to
// remove the entry here. Keys are case names from cases.ts.
export const EXPECTED_FAILURES: Readonly<Record<string, string>> = {};
