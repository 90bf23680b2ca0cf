# ruff: noqa  (a copy of a tutorial's code cells: their style is kept as published)
# D2L, "线性回归的简洁实现": https://zh.d2l.ai/chapter_linear-networks/linear-regression-concise.html
# The PyTorch cells of github.com/d2l-ai/d2l-zh, chapter_linear-networks/linear-regression-concise.md at
# e6b18ccea71451a55fcd861d7b96fddf2587b09a, in order and unchanged, except: the plotting
# cell and the `%matplotlib inline` magic are left out (nothing is printed by them).
#@tab pytorch
from d2l import torch as d2l
import numpy as np
import torch
from torch.utils import data

#@tab all
true_w = d2l.tensor([2, -3.4])
true_b = 4.2
features, labels = d2l.synthetic_data(true_w, true_b, 1000)

#@tab pytorch
def load_array(data_arrays, batch_size, is_train=True):  #@save
    """构造一个PyTorch数据迭代器"""
    dataset = data.TensorDataset(*data_arrays)
    return data.DataLoader(dataset, batch_size, shuffle=is_train)

#@tab all
batch_size = 10
data_iter = load_array((features, labels), batch_size)

#@tab all
next(iter(data_iter))

#@tab pytorch
# nn是神经网络的缩写
from torch import nn
net = nn.Sequential(nn.Linear(2, 1))

#@tab pytorch
net[0].weight.data.normal_(0, 0.01)
net[0].bias.data.fill_(0)

#@tab pytorch
loss = nn.MSELoss()

#@tab pytorch
trainer = torch.optim.SGD(net.parameters(), lr=0.03)

#@tab pytorch
num_epochs = 3
for epoch in range(num_epochs):
    for X, y in data_iter:
        l = loss(net(X) ,y)
        trainer.zero_grad()
        l.backward()
        trainer.step()
    l = loss(net(features), labels)
    print(f'epoch {epoch + 1}, loss {l:f}')

#@tab pytorch
w = net[0].weight.data
print('w的估计误差：', true_w - d2l.reshape(w, true_w.shape))
b = net[0].bias.data
print('b的估计误差：', true_b - b)
