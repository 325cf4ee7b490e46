// The graph view's defaults over shared/format.ts (the one formatter of numbers, shapes, counts and
// values): boxes, outline, step text and loss plot are glanced at in little room, so numbers default
// to SHORT_DIGITS and values to SHORT_VALUE here. The inspector reads values in full and imports
// shared/format.ts itself (FULL_DIGITS, the hovers' precision).
import type { ValueSummary } from "../shared/protocol";
import * as shared from "../shared/format";

export { describeShape, formatCount, formatShape, plural, scalarOf } from "../shared/format";

/** A number as the view shows it: 4 significant digits unless `digits` says otherwise. */
export function formatNumber(x: number | string, digits: number = shared.SHORT_DIGITS): string {
  return shared.formatNumber(x, digits);
}

/** A value on one line, short: "0.2", "[0.1, 0.2]", "[4×2] 0.1, 0.2, 0.3, …", "—" for none. */
export function formatValue(v: ValueSummary | null | undefined): string {
  return shared.formatValue(v, shared.SHORT_VALUE);
}
