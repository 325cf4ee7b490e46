# The Python twin of examples/bigram.ts (Karpathy's makemore, part 1), run by gallery-twins.test.ts
# to compare printed numbers.
import torch
import torch.nn.functional as F

words = [
    "emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia", "harper", "evelyn",
    "abigail", "emily", "elizabeth", "mila", "ella", "avery", "sofia", "camila", "aria", "scarlett",
    "victoria", "madison", "luna", "grace", "chloe", "penelope", "layla", "riley", "zoey", "nora",
]

chars = ["."] + list("abcdefghijklmnopqrstuvwxyz")
stoi = {c: i for i, c in enumerate(chars)}

xs, ys = [], []
for w in words:
    cs = ["."] + list(w) + ["."]
    for ch1, ch2 in zip(cs, cs[1:]):
        xs.append(stoi[ch1])
        ys.append(stoi[ch2])
xs = torch.tensor(xs)
ys = torch.tensor(ys)
num = xs.nelement()
print("number of examples:", num)

g = torch.Generator().manual_seed(2147483647)
W = torch.randn((27, 27), generator=g, requires_grad=True)

for k in range(100):
    xenc = F.one_hot(xs, num_classes=27).float()
    logits = xenc @ W
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdims=True)
    loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W ** 2).mean()
    if k % 20 == 0 or k == 99:
        print(f"step {k}: loss {loss.item():.4f}")

    W.grad = None
    loss.backward()
    W.data += -50 * W.grad

best = W[[1, 5, 9, 15, 21]].argmax(1).tolist()
print("after a e i o u:", " ".join(chars[i] for i in best), "(indices", ", ".join(str(i) for i in best) + ")")
