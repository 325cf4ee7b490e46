// A character-level bigram language model trained as a one-layer neural network (Karpathy's
// makemore, part 1): each character is one-hot encoded, multiplied by a 27×27 weight matrix W to
// give logits, turned into next-character probabilities by a softmax written out by hand, and
// trained on the negative log-likelihood of the true next character. The graph of one step shows
// how the paired index probs[arange(n), ys] picks one probability per example (IndexBackward0) and
// how the regularisation term joins the loss.
import { torch } from "autograd-lens";

const F = torch.nn.functional;

const words = [
  "emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia", "harper", "evelyn",
  "abigail", "emily", "elizabeth", "mila", "ella", "avery", "sofia", "camila", "aria", "scarlett",
  "victoria", "madison", "luna", "grace", "chloe", "penelope", "layla", "riley", "zoey", "nora",
];

// '.' marks the start and the end of a word; the letters are 1..26.
const chars = [".", ..."abcdefghijklmnopqrstuvwxyz"];
const stoi = new Map(chars.map((c, i) => [c, i]));

// The training set: every (character, next character) pair of every word.
const xsList: number[] = [];
const ysList: number[] = [];
for (const w of words) {
  const cs = [".", ...w, "."];
  for (let i = 0; i + 1 < cs.length; i++) {
    xsList.push(stoi.get(cs[i]!)!);
    ysList.push(stoi.get(cs[i + 1]!)!);
  }
}
const xs = torch.tensor(xsList, { dtype: "int64" });
const ys = torch.tensor(ysList, { dtype: "int64" });
const num = xs.nelement();
console.log("number of examples:", num);

// Initialise the network: 27 neurons, each with 27 inputs.
const g = new torch.Generator().manualSeed(2147483647);
const W = torch.randn([27, 27], { generator: g, requiresGrad: true });

for (let k = 0; k < 100; k++) {
  // Forward pass.
  const xenc = F.oneHot(xs, 27).float(); // input to the network: one-hot encoding
  const logits = xenc.matmul(W); // predicted log-counts
  const counts = logits.exp(); // counts, equivalent to N
  const probs = counts.div(counts.sum(1, true)); // probabilities for the next character
  const loss = probs.index(torch.arange(num), ys).log().mean().neg().add(W.pow(2).mean().mul(0.01));
  if (k % 20 === 0 || k === 99) console.log(`step ${k}: loss ${loss.item().toFixed(4)}`);

  // Backward pass and update.
  W.grad = null; // set the gradient to zero
  loss.backward();
  W.data.add_(W.grad!.mul(-50));
}

// The most likely next character after each vowel.
const best = W.index([1, 5, 9, 15, 21]).argmax(1).tolist() as number[];
console.log("after a e i o u:", best.map((i) => chars[i]).join(" "), "(indices", best.join(", ") + ")");
