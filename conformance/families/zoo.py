"""zoo family: whole networks (conformance/zoo/models.py), each in every converter form.

    python conformance/run.py --family zoo                 all of them
    python conformance/run.py --case 'zoo/resnet50/*'      one network
    python conformance/zoo/convert_zoo.py                  convert ahead (cached; ~1 h cold)

Names are "zoo/<network>/<form>", forms float32, float16, dynamic, int8, int16x8 (see
conformance/convert.py). Conversions are cached by conformance/zoo/convert_zoo.py under
build/conformance/zoo-cache/, keyed per network, so editing this file or convert.py does not
convert the zoo again; a form the converter refused is a BAD case carrying its error (the
list is in conformance/zoo/README.md).

Tolerances (models.tolerance): int8 outputs, and int16x8's float outputs (a DEQUANTIZE of
int16 values), are bit-exact. Float forms are within rel * max|LiteRT| per output: 1e-5, or
a per-network bound measured as what LiteRT's own builtin and reference kernels differ by on
that network (models.FLOAT_BOUNDS, each with its figure).

`ops` is empty on purpose: whole networks are not counted in the per-operator coverage of
the single-op families (nor exported to tests/conformance/); `expect_ops` still checks that
the converter produced the operators the network is about.

Networks with several signatures (Net.signatures) get one case per signature,
"zoo/<network>/<signature>/<form>", run through LiteRT's get_signature_runner(key) and
tflc's --signature (Case.signature).

PyTorch networks (conformance/zoo/torch_models.py) are converted by litert-torch in a venv
of their own and cached; here they are read from that cache (a BAD case saying how to make
them when neither the cache nor the torch venv is there).
"""
import functools

from conformance.case import Case
from conformance.zoo import convert_zoo, models, torch_models


def cases():
    out = []
    for net in models.NETS:
        for form in net.forms:
            for key in (net.signatures or [None]):
                out.append(Case(
                    name=f"zoo/{net.name}/{key}/{form}" if key else f"zoo/{net.name}/{form}",
                    ops=[],
                    expect_ops=list(net.expect_ops) or None,
                    make=functools.partial(convert_zoo.get, net.name, form),
                    inputs=(models.signature_test_inputs(net, key) if key
                            else models.test_inputs(net)),
                    tolerance=models.tolerance(net, form),
                    seed=models.seed_of(net.name),
                    note=net.note + (f" -- signature {key!r}" if key else ""),
                    signature=key,
                    cache_key=convert_zoo.cache_key(net, form)))
    return out + torch_models.cases()
