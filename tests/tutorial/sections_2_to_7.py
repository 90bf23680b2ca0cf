# The code of sections 2 to 7 of the seed tutorial (shared/seed/autograd-tutorial-zh.txt), with
# the indentation the text export lost restored, and comments translated. Run unchanged, once
# with PyTorch and once with `import autograd_lib as torch` (tests/test_tutorial.py).

# 2. Tensors and gradients
import torch

# Create a tensor and ask for its gradient
x = torch.tensor(2.0, requires_grad=True)

# 3. Forward pass and the computation graph
y = x ** 2 + 3 * x + 1  # y = x^2 + 3x + 1

# 4. Backward pass
y.backward()

# Look at the gradient
print(x.grad)  # dy/dx

# 5. Gradients of several parameters
a = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(3.0, requires_grad=True)

z = a**2 + 3 * b + a * b  # z = a^2 + 3b + ab

z.backward()

print(a.grad)  # dz/da
print(b.grad)  # dz/db

# 6. Clearing gradients
optimizer = torch.optim.SGD([a, b], lr=0.01)

optimizer.zero_grad()

z = a**2 + 3 * b + a * b
z.backward()

optimizer.step()

# 7. Turning gradient tracking off
with torch.no_grad():
    # no gradients are computed inside this block
    result = a * b

# Not in the tutorial: show the state the sections leave behind, so the comparison covers it.
print(y, z, result)
print(a, b, a.grad, b.grad)
print(result.requires_grad, result.grad_fn, z.grad_fn, y.grad_fn.next_functions[0][0].name())
