# Section 8 of the seed tutorial: linear regression, exactly as written (indentation restored,
# comments translated; the final print's Chinese labels kept).
import torch

# Some sample data
x_train = torch.tensor([[1.0], [2.0], [3.0]])
y_train = torch.tensor([[2.0], [3.0], [4.0]])

# Initialise the parameters
w = torch.tensor([[0.0]], requires_grad=True)
b = torch.tensor([[0.0]], requires_grad=True)

# Learning rate
lr = 0.01

# Training
for epoch in range(100):
    # Forward pass
    y_pred = x_train.mm(w) + b

    # Loss (mean squared error)
    loss = ((y_pred - y_train) ** 2).mean()

    # Backward pass
    loss.backward()

    # Update the parameters
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad

    # Clear the gradients
    w.grad.zero_()
    b.grad.zero_()

    # Print the loss
    if epoch % 10 == 0:
        print(f'Epoch {epoch}, Loss: {loss.item()}')

print(f'学习后的权重: {w.item()}, 偏置: {b.item()}')

# Not in the tutorial: the tensors themselves, printed.
print(w, b, loss, y_pred)
