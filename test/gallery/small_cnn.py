# The Python twin of examples/small-cnn.ts, run by gallery-twins.test.ts to compare printed numbers.
import torch
from torch import nn

torch.manual_seed(0)


def make_images(n):
    noise = (torch.randn(n, 1, 8, 8) * 0.3).tolist()
    where = torch.randint(0, 8, (n,)).tolist()
    for i in range(n):
        for k in range(8):
            if i % 2 == 0:
                noise[i][0][where[i]][k] += 1
            else:
                noise[i][0][k][where[i]] += 1
    labels = torch.tensor([i % 2 for i in range(n)])
    return torch.tensor(noise), labels


train_images, train_labels = make_images(32)
test_images, test_labels = make_images(32)

model = nn.Sequential(
    nn.Conv2d(1, 4, 3),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(4 * 3 * 3, 2),
)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

for epoch in range(40):
    optimizer.zero_grad()
    loss = criterion(model(train_images), train_labels)
    loss.backward()
    optimizer.step()
    if epoch % 10 == 0 or epoch == 39:
        print(f"epoch {epoch}: loss {loss.item():.4f}")

with torch.no_grad():
    predicted = model(test_images).argmax(1)
    correct = predicted.eq(test_labels).sum().item()
    print(f"test accuracy: {correct} of 32")
