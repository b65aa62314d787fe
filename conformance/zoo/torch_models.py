"""PyTorch networks for the zoo, converted by litert-torch (the PyTorch -> LiteRT converter).

Each network is a `TorchNet`: a builder returning a torch.nn.Module in eval mode, its inputs
(models.Input, NCHW as PyTorch has them), the forms it is converted to and a note. The
builders import torch themselves: this file is imported by the harness, which runs in the
TensorFlow venv without torch, while conformance/zoo/convert_torch.py runs the builders and
the converter in a venv of their own (litert-torch pins its own torch; see README.md).

Forms (conformance/zoo/convert_torch.py, convert_form):
  float32       litert_torch.convert(module, args)
  pt2e_int8     PT2E static quantization, symmetric per-channel int8 weights and int8
                activations (litert_torch.quantize.pt2e_quantizer), calibrated on
                models.representative samples; a model input or output is int8 where the
                layer next to it is quantized, float32 otherwise (test_inputs quantizes)
  pt2e_dynamic  PT2E with is_dynamic=True: int8 weights, float activations (hybrid ops)
A dynamic batch (Input shape[0] None) is exported with torch.export.Dim.

Weights are random and seeded (torch.manual_seed(models.seed_of(name)) before the builder);
batch normalization is calibrated as in models.py (one training-mode pass with momentum 1
over 32 samples of the input distribution sets the running statistics to its input's).
"""
import dataclasses
from typing import Callable, Tuple

from conformance.zoo.models import Input, seed_of

TORCH_ZOO_VERSION = 1
FORMS = ("float32", "pt2e_int8", "pt2e_dynamic")


@dataclasses.dataclass
class TorchNet:
    name: str
    build: Callable[[], object]            # () -> torch.nn.Module (eval mode)
    inputs: Tuple[Input, ...]
    forms: Tuple[str, ...] = FORMS
    note: str = ""
    group: str = "pytorch"
    test_batch: int = 1
    rep_n: int = 16                        # calibration samples of the pt2e_int8 form
    expect_ops: Tuple[str, ...] = ()       # builtin ops every converted form must contain
    # Why the pt2e_int8 form's output comes from float arithmetic (the quantizer leaves
    # some ops in float: DEQUANTIZE, float ops, maybe QUANTIZE again): then it is compared
    # as float32 (rel 1e-5), not bit-exact. Empty: the output is int8 or a DEQUANTIZE.
    float_tail: str = ""
    signatures = None                      # models.test_inputs reads it (one signature here)


TORCH_NETS = []


def torch_net(name, inputs, **kw):
    """Decorator: registers the builder below it as PyTorch network `name`."""
    def register(build):
        TORCH_NETS.append(TorchNet(name=name, build=build, inputs=tuple(inputs), **kw))
        return build
    return register


def by_name(name):
    for n in TORCH_NETS:
        if n.name == name:
            return n
    raise KeyError(f"no PyTorch network {name!r} in the zoo")


# ------------------------------------------------------------------------- the networks --

@torch_net("torch_mlp", (Input("x", (1, 64)),),
           note="PyTorch MLP: Linear, GELU (erf), LayerNorm, SiLU, log_softmax",
           expect_ops=("FULLY_CONNECTED",),
           float_tail="LayerNorm and SiLU run in float between the int8 Linear layers, and "
                      "LOG_SOFTMAX over the DEQUANTIZEd logits")
def torch_mlp():
    from torch import nn

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2, self.fc3 = nn.Linear(64, 128), nn.Linear(128, 64), nn.Linear(64, 10)
            self.norm = nn.LayerNorm(64)

        def forward(self, x):
            x = nn.functional.gelu(self.fc1(x))
            x = nn.functional.silu(self.norm(self.fc2(x)))
            return nn.functional.log_softmax(self.fc3(x), dim=-1)
    return MLP()


@torch_net("torch_cnn", (Input("image", (1, 3, 32, 32)),),
           note="PyTorch CNN on NCHW input: Conv2d+BatchNorm2d+ReLU, depthwise Conv2d, "
                "Hardswish, MaxPool2d, AvgPool2d, global mean, Linear",
           expect_ops=("CONV_2D",))
def torch_cnn():
    from torch import nn

    def cbr(cin, cout, stride=1, groups=1, act=nn.ReLU):
        return [nn.Conv2d(cin, cout, 3, stride, 1, groups=groups, bias=False),
                nn.BatchNorm2d(cout), act()]

    return nn.Sequential(
        *cbr(3, 16), nn.MaxPool2d(2),                       # 16x16
        *cbr(16, 16, groups=16, act=nn.Hardswish),          # depthwise
        *cbr(16, 32, stride=2), nn.AvgPool2d(2),            # 4x4
        *cbr(32, 32), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))


@torch_net("torch_dynamic_mlp", (Input("features", (None, 32)),), test_batch=3,
           note="PyTorch MLP exported with a dynamic batch (torch.export.Dim): shape_signature "
                "-1, tested at batch 3; Linear, ReLU, Linear, softmax",
           expect_ops=("FULLY_CONNECTED",),
           float_tail="SOFTMAX in float on the DEQUANTIZEd logits")
def torch_dynamic_mlp():
    from torch import nn
    return nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 10), nn.Softmax(dim=-1))


@torch_net("torch_lstm", (Input("series", (1, 12, 8)),),
           note="PyTorch nn.LSTM (2 layers, batch_first), Linear on the last step",
           forms=("float32", "pt2e_int8", "pt2e_dynamic"))
def torch_lstm():
    from torch import nn

    class Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(8, 16, num_layers=2, batch_first=True)
            self.head = nn.Linear(16, 4)

        def forward(self, x):
            y, _ = self.lstm(x)
            return self.head(y[:, -1])
    return Seq()


@torch_net("torch_gru_embedding", (Input("tokens", (1, 10), dtype="int64", low=0, high=50),),
           note="PyTorch nn.Embedding over int64 token ids (int32 in the converted model), "
                "bidirectional nn.GRU, Linear",
           forms=("float32", "pt2e_int8"))
def torch_gru_embedding():
    import torch
    from torch import nn

    class Text(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(50, 12)
            self.gru = nn.GRU(12, 10, batch_first=True, bidirectional=True)
            self.head = nn.Linear(20, 3)

        def forward(self, tokens):
            # an explicit initial state: PT2E's GRU annotator indexes the hidden-state input
            h0 = torch.zeros(2, tokens.shape[0], 10)
            y, h = self.gru(self.emb(tokens), h0)
            # both outputs used: the annotator also expects the GRU's two outputs
            return self.head(y.mean(dim=1)) + self.head(h.transpose(0, 1).reshape(-1, 20))
    return Text()


@torch_net("torch_attention", (Input("tokens", (1, 16, 32)),),
           note="PyTorch pre-norm transformer block: nn.MultiheadAttention (4 heads), "
                "LayerNorm, Linear-GELU-Linear feed-forward, residuals",
           expect_ops=("BATCH_MATMUL",),
           float_tail="LayerNorm, the attention's BATCH_MATMULs and SOFTMAX run in float "
                      "between QUANTIZE/DEQUANTIZE; the output is a float residual ADD")
def torch_attention():
    from torch import nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(32), nn.LayerNorm(32)
            self.attn = nn.MultiheadAttention(32, 4, batch_first=True)
            self.ff = nn.Sequential(nn.Linear(32, 64), nn.GELU(), nn.Linear(64, 32))

        def forward(self, x):
            h = self.ln1(x)
            x = x + self.attn(h, h, h, need_weights=False)[0]
            return x + self.ff(self.ln2(x))
    return Block()


@torch_net("torch_resnet18", (Input("image", (1, 3, 64, 64)),),
           note="torchvision resnet18(weights=None), 1000 logits, 64x64 input",
           forms=("float32", "pt2e_int8"), rep_n=8,
           expect_ops=("CONV_2D", "ADD"))
def torch_resnet18():
    import torchvision
    return torchvision.models.resnet18(weights=None)


@torch_net("torch_mobilenet_v2", (Input("image", (1, 3, 64, 64)),),
           note="torchvision mobilenet_v2(weights=None), 1000 logits, 64x64 input",
           forms=("float32", "pt2e_int8"), rep_n=8,
           expect_ops=("CONV_2D", "DEPTHWISE_CONV_2D"))
def torch_mobilenet_v2():
    import torchvision
    return torchvision.models.mobilenet_v2(weights=None)


# ------------------------------------------------------------------- for the harness --

def cases():
    """One conformance Case per (network, form), named zoo/<network>/<form>; the model
    comes from convert_torch's cache (converted in the torch venv on a miss)."""
    import functools
    from conformance.case import Case
    from conformance.zoo import convert_torch, models
    out = []
    for net in TORCH_NETS:
        for form in net.forms:
            out.append(Case(
                name=f"zoo/{net.name}/{form}", ops=[],
                expect_ops=list(net.expect_ops) or None,
                make=functools.partial(convert_torch.get, net.name, form),
                inputs=models.test_inputs(net),
                tolerance=tolerance(net, form),
                seed=seed_of(net.name),
                note=net.note,
                cache_key=convert_torch.cache_key(net, form)))
    return out


def tolerance(net, form):
    """float32 as the Keras zoo's float32 (rel 1e-5); pt2e_dynamic as its hybrid form
    (1e-5 of LiteRT builtin or reference); pt2e_int8 bit-exact (int8 outputs, or float ones
    that are a DEQUANTIZE of int8 values), or as float32 where net.float_tail says why."""
    from conformance.case import Tolerance
    from conformance.zoo import models
    if form == "pt2e_int8" and net.float_tail:
        return Tolerance("rel", rel=models.DEFAULT_REL, why=(
            "PT2E left float arithmetic before the output (" + net.float_tail + "): float "
            "sums in another order than LiteRT's; 1e-5 of the output's magnitude"))
    return models.tolerance(net, {"float32": "float32", "pt2e_dynamic": "dynamic"}.get(form, "int8"))
