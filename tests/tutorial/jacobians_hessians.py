# PyTorch's tutorial "Jacobians, Hessians, hvp, vhp, and more: composing function transforms"
# (https://pytorch.org/tutorials/intermediate/jacobians_hessians.html, source:
# https://github.com/pytorch/tutorials/blob/main/intermediate_source/jacobians_hessians.py),
# its code unchanged except: the timing sections (torch.utils.benchmark.Timer and get_perf) are
# left out, and the random inputs come from NumPy (same numbers for torch and autograd_lib; see
# the prelude). The sizes of the Hessian and batch sections are as in the tutorial unless a
# comment says otherwise, and one check has a tolerance (see its comment).
import numpy as np
import torch

_rng = np.random.default_rng(0)


def _randn(*shape):  # prelude: the tutorial's torch.randn, from NumPy's generator
    return torch.tensor(_rng.standard_normal(shape), dtype=torch.float32)


torch.randn = _randn

from functools import partial  # noqa: E402

import torch.nn.functional as F  # noqa: E402

_ = torch.manual_seed(0)

def predict(weight, bias, x):
    return F.linear(x, weight, bias).tanh()

D = 16
weight = torch.randn(D, D)
bias = torch.randn(D)
x = torch.randn(D)  # feature vector

def compute_jac(xp):
    jacobian_rows = [torch.autograd.grad(predict(weight, bias, xp), xp, vec)[0]
                     for vec in unit_vectors]
    return torch.stack(jacobian_rows)

xp = x.clone().requires_grad_()
unit_vectors = torch.eye(D)

jacobian = compute_jac(xp)

print(jacobian.shape)
print(jacobian[0])  # show first row

from torch.func import vjp, vmap  # noqa: E402

_, vjp_fn = vjp(partial(predict, weight, bias), x)

ft_jacobian, = vmap(vjp_fn)(unit_vectors)

# let's confirm both methods compute the same result
assert torch.allclose(ft_jacobian, jacobian)

from torch.func import jacrev  # noqa: E402

ft_jacobian = jacrev(predict, argnums=2)(weight, bias, x)

# confirm
assert torch.allclose(ft_jacobian, jacobian)

# note the change in input via argnums params of 0,1 to map to weight and bias
ft_jac_weight, ft_jac_bias = jacrev(predict, argnums=(0, 1))(weight, bias, x)

from torch.func import jacfwd, jacrev  # noqa: E402, F811

Din = 32
Dout = 2048
weight = torch.randn(Dout, Din)

bias = torch.randn(Dout)
x = torch.randn(Din)

# remember the general rule about taller vs wider... here we have a taller matrix:
print(weight.shape)

from torch.func import hessian  # noqa: E402

# lets reduce the size in order not to blow out colab. Hessians require
# significant memory:
Din = 16  # the tutorial: 512 (autograd_lib's jacfwd and vmap loop in Python)
Dout = 32
weight = torch.randn(Dout, Din)
bias = torch.randn(Dout)
x = torch.randn(Din)

hess_api = hessian(predict, argnums=2)(weight, bias, x)
hess_fwdfwd = jacfwd(jacfwd(predict, argnums=2), argnums=2)(weight, bias, x)
hess_revrev = jacrev(jacrev(predict, argnums=2), argnums=2)(weight, bias, x)

print(torch.allclose(hess_api, hess_fwdfwd))  # the tutorial: a notebook cell shows it

batch_size = 64
Din = 31
Dout = 33

weight = torch.randn(Dout, Din)
print(f"weight shape = {weight.shape}")

bias = torch.randn(Dout)

x = torch.randn(batch_size, Din)

compute_batch_jacobian = vmap(jacrev(predict, argnums=2), in_dims=(None, None, 0))
batch_jacobian0 = compute_batch_jacobian(weight, bias, x)

def predict_with_output_summed(weight, bias, x):
    return predict(weight, bias, x).sum(0)

batch_jacobian1 = jacrev(predict_with_output_summed, argnums=2)(weight, bias, x).movedim(1, 0)
# the tutorial: torch.allclose(batch_jacobian0, batch_jacobian1). autograd_lib's vmap calls
# predict once per row (a vector-matrix product) where the sum trick does one matrix product:
# float32 rounds them differently, and 1 - tanh(y)**2 near |tanh(y)| = 1 magnifies that to a
# few 1e-5 relative on entries near 0, past allclose's default atol of 1e-8.
assert torch.allclose(batch_jacobian0, batch_jacobian1, atol=1e-6)

batch_size = 2  # the tutorial: 64
x = torch.randn(batch_size, Din)
compute_batch_hessian = vmap(hessian(predict, argnums=2), in_dims=(None, None, 0))

batch_hess = compute_batch_hessian(weight, bias, x)
print(batch_hess.shape)

from torch.func import grad, jvp, vjp  # noqa: E402, F811


def hvp(f, primals, tangents):
  return jvp(grad(f), primals, tangents)[1]

def f(x):
  return x.sin().sum()

x = torch.randn(2048)
tangent = torch.randn(2048)

result = hvp(f, (x,), (tangent,))

def hvp_revrev(f, primals, tangents):
  _, vjp_fn = vjp(grad(f), *primals)
  return vjp_fn(*tangents)

result_hvp_revrev = hvp_revrev(f, (x,), (tangent,))
assert torch.allclose(result, result_hvp_revrev[0])
print(result[:4])
