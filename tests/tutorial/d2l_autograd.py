# The PyTorch code of Dive into Deep Learning's "Automatic Differentiation" section (2.5),
# in order, with each notebook expression printed. Run unchanged with PyTorch and with
# `import autograd_lib as torch` (tests/test_tutorial.py); the random input of 2.5.4 is not
# printed (the two libraries draw different numbers), only what D2L checks about it, with a
# tolerance (see there: the exact check depends on the draw).
import torch

# 2.5.1 A Simple Function
x = torch.arange(4.0)
print(x)
x.requires_grad_(True)
print(x.grad)
y = 2 * torch.dot(x, x)
print(y)
y.backward()
print(x.grad)
print(x.grad == 4 * x)
x.grad.zero_()  # Reset the gradient
y = x.sum()
y.backward()
print(x.grad)

# 2.5.2 Backward for Non-Scalar Variables
x.grad.zero_()
y = x * x
y.backward(gradient=torch.ones(len(y)))  # Faster: y.sum().backward()
print(x.grad)

# 2.5.3 Detaching Computation
x.grad.zero_()
y = x * x
u = y.detach()
z = u * x

z.sum().backward()
print(x.grad == u)
x.grad.zero_()
y.sum().backward()
print(x.grad == 2 * x)


# 2.5.4 Gradients and Python Control Flow
def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


a = torch.randn(size=(), requires_grad=True)
d = f(a)
d.backward()
# D2L prints ``a.grad == d / a``. With a < 0, f takes the ``100 * b`` branch, and in float32
# ``(100 * b) / a`` can miss ``a.grad`` by one rounding, so the exact check is True or False
# depending on the random draw (PyTorch seeds each process differently). Compare as D2L means it.
print(torch.allclose(a.grad, d / a))
