// Derivatives of sort and topk: the gradient of each value goes back to where it came from.
import { gatherSpec } from "./indexing";

export const SortBackward0 = gatherSpec("SortBackward0", (s) => `grad placed back at each value's original position along dim ${s["dim"]}`);
export const TopkBackward0 = gatherSpec("TopkBackward0", (s) => `grad placed back at the top ${s["k"]} positions along dim ${s["dim"]} (0 elsewhere)`);
