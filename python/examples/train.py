"""On-device training with tflc, as in the TFLite guide "On-device training"
(https://www.tensorflow.org/lite/examples/on_device_training/overview): train a few
steps, save the weights, restore them into a new interpreter, infer.

    python python/examples/train.py [MODEL.tflite] [--steps N] [--checkpoint PATH]

MODEL defaults to tests/models/train_guide.tflite, the guide's model converted by
tests/models/generate_training.py (signatures train, infer, save, restore). Only numpy
and tflc are needed; tflc.Interpreter is used exactly as the guide uses
tf.lite.Interpreter. The checkpoint is TensorFlow's own format (what tf.raw_ops.Save
writes): TensorFlow restores it, and tflc restores checkpoints TensorFlow saved.
The data is a synthetic batch (the guide uses Fashion MNIST).
"""
import argparse
import os
import sys
import tempfile

import numpy as np

import tflc

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODEL = os.path.join(HERE, "..", "..", "tests", "models", "train_guide.tflite")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", nargs="?", default=DEFAULT_MODEL)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--checkpoint", help="where to save (default: a temporary directory)")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = rng.random((16, 28, 28), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 16)]

    # Train: each call of the "train" signature is one SGD step.
    interpreter = tflc.Interpreter(model_path=args.model)
    print(interpreter.get_signature_list())
    train = interpreter.get_signature_runner("train")
    losses = []
    for step in range(args.steps):
        losses.append(float(train(x=x, y=y)["loss"]))
        print("step %d: loss %.6f" % (step + 1, losses[-1]))

    infer = interpreter.get_signature_runner("infer")
    trained = infer(x=x)["output"]

    with tempfile.TemporaryDirectory() as tmp:
        path = args.checkpoint or os.path.join(tmp, "model.ckpt")
        # Save the trained weights (the guide: save(checkpoint_path=np.array(path, dtype=np.bytes_))).
        save = interpreter.get_signature_runner("save")
        save(checkpoint_path=np.array(path, dtype=np.bytes_))
        print("saved to", path)

        # A new interpreter starts from the model's initial weights; restore the checkpoint.
        another_interpreter = tflc.Interpreter(model_path=args.model)
        restore = another_interpreter.get_signature_runner("restore")
        restored_tensors = restore(checkpoint_path=np.array(path, dtype=np.bytes_))
        print("restored:", {name: value.shape for name, value in restored_tensors.items()})
        result = another_interpreter.get_signature_runner("infer")(x=x)["output"]

    same = np.array_equal(result, trained)
    print("predictions of the restored interpreter %s the trained one's"
          % ("equal" if same else "DIFFER from"))
    print("image 0: class probabilities", np.round(result[0], 3))
    return 0 if same and losses[-1] < losses[0] else 1


if __name__ == "__main__":
    sys.exit(main())
