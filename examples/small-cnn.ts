// A small convolutional network on made-up images (in the spirit of PyTorch's "Training a
// classifier" tutorial, shrunk to run in a second): 8×8 grey images holding one horizontal or one
// vertical bar in noise; Conv2d → ReLU → MaxPool2d → Flatten → Linear, trained with cross-entropy
// and SGD with momentum. The graph of one step shows ConvolutionBackward0 and
// MaxPool2DWithIndicesBackward0 between the parameters and the loss.
import { torch } from "autograd-lens";

const nn = torch.nn;
torch.manualSeed(0);

/** n images (n×1×8×8): image i has a bar at a random row (even i) or column (odd i); label i % 2. */
function makeImages(n: number) {
  const noise = torch.randn(n, 1, 8, 8).mul(0.3).tolist() as number[][][][];
  const where = torch.randint(0, 8, [n]).tolist() as number[];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 8; k++) {
      if (i % 2 === 0) noise[i]![0]![where[i]!]![k]! += 1; // horizontal bar
      else noise[i]![0]![k]![where[i]!]! += 1; // vertical bar
    }
  }
  const labels = torch.tensor(Array.from({ length: n }, (_, i) => i % 2), { dtype: "int64" });
  return { images: torch.tensor(noise), labels };
}

const train = makeImages(32);
const test = makeImages(32);

const model = new nn.Sequential(
  new nn.Conv2d(1, 4, 3), // 4 filters of 3×3: 8×8 → 6×6
  new nn.ReLU(),
  new nn.MaxPool2d(2), // 6×6 → 3×3
  new nn.Flatten(),
  new nn.Linear(4 * 3 * 3, 2),
);
const criterion = new nn.CrossEntropyLoss();
const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });

for (let epoch = 0; epoch < 40; epoch++) {
  optimizer.zeroGrad();
  const loss = criterion(model(train.images), train.labels);
  loss.backward();
  optimizer.step();
  if (epoch % 10 === 0 || epoch === 39) console.log(`epoch ${epoch}: loss ${loss.item().toFixed(4)}`);
}

torch.noGrad(() => {
  const predicted = model(test.images).argmax(1);
  const correct = predicted.eq(test.labels).sum().item();
  console.log(`test accuracy: ${correct} of 32`);
});
