"""Plausible wrong answers for lesson 02 (see tests/test_wrong_answers.py)."""

WRONG = [
    {
        "exercise": "ex2-model-input-tests",
        "why": "torch.tensor(array) keeps NumPy's float64",
        "source": """def model_input(array):
    return torch.tensor(array)
""",
        "visible": "the model needs float32",
    },
    {
        "exercise": "ex2-model-input-tests",
        "why": "from_numpy(...).float(): no copy when the array is already float32",
        "source": """def model_input(array):
    return torch.from_numpy(array).float()
""",
        "visible": "model_input(a float32 array) shares memory",
    },
    {
        "exercise": "trainable-tests",
        "why": "keeps every tensor that requires grad, leaves or not",
        "source": """def trainable(tensors):
    return [t for t in tensors if t.requires_grad]
""",
        "visible": "is not a leaf",
    },
    {
        "exercise": "trainable-tests",
        "why": "keeps every leaf, also those that do not require grad",
        "source": """def trainable(tensors):
    return [t for t in tensors if t.is_leaf]
""",
        "visible": "do not require grad",
    },
    {
        "exercise": "ex3-new-parameter-tests",
        "why": "ignores the dtype argument (always float32)",
        "source": """def new_parameter(shape, scale, dtype=torch.float32):
    values = (torch.rand(*shape) * 2 - 1) * scale
    return values.requires_grad_()
""",
        "visible": "use the dtype argument",
    },
    {
        "exercise": "ex3-new-parameter-tests",
        "why": "asks for grad first and scales afterwards: the result is not a leaf",
        "source": """def new_parameter(shape, scale, dtype=torch.float32):
    return (torch.rand(*shape, dtype=dtype, requires_grad=True) * 2 - 1) * scale
""",
        "visible": "not a leaf",
    },
    {
        "exercise": "ex4-snapshot-tests",
        "why": "detach() without clone(): shares memory with the original",
        "source": """def snapshot(t):
    return t.detach()
""",
        "visible": "multiplied by 10 in place",
    },
]
