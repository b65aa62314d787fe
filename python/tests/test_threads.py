"""Threads: runners of different signatures run at once from different Python threads,
invoke releases the GIL, and one runner shared by several threads stays consistent."""

import threading
import time

import numpy as np

import tflc
from conftest import model_path

ITERATIONS = 2000


def run_threads(targets):
    errors = []

    def wrap(fn):
        def body():
            try:
                fn()
            except BaseException as e:  # noqa: BLE001 -- reported below
                errors.append(e)
        return body

    threads = [threading.Thread(target=wrap(fn)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not errors, errors


def test_add_and_sub_signatures_in_parallel_threads():
    interpreter = tflc.Interpreter(model_path=model_path("multi_signatures"))
    add = interpreter.get_signature_runner("add")
    sub = interpreter.get_signature_runner("sub")

    def loop(runner, offset, seed):
        def body():
            rng = np.random.default_rng(seed)
            for _ in range(ITERATIONS):
                x = rng.standard_normal(3).astype(np.float32)
                got = runner(x=x)["output_0"]
                assert np.array_equal(got, x + offset), (got, x)
        return body

    run_threads([loop(add, np.float32([1, 2, 3]), 1), loop(sub, -np.float32([0.5, -1.5, 4]), 2),
                 loop(add, np.float32([1, 2, 3]), 3), loop(sub, -np.float32([0.5, -1.5, 4]), 4)])


def test_one_runner_shared_by_threads_gives_each_call_its_own_result():
    runner = tflc.Interpreter(model_path=model_path("dynamic_batch")).get_signature_runner()
    want = {}
    for batch in (1, 2, 5, 9):
        x = np.full((batch, 4), batch / 10, np.float32)
        want[batch] = (x, runner(x=x)["probs"])

    def loop(batch):
        def body():
            x, probs = want[batch]
            for _ in range(300):
                got = runner(x=x)["probs"]
                assert np.array_equal(got, probs)
        return body

    run_threads([loop(b) for b in want])


def test_invoke_releases_the_gil():
    interpreter = tflc.Interpreter(model_path=model_path("dynamic_batch"))
    batch = 1 << 19
    interpreter.resize_tensor_input(0, [batch, 4])
    interpreter.allocate_tensors()
    interpreter.set_tensor(0, np.random.default_rng(5).standard_normal((batch, 4)).astype(np.float32))
    start = time.perf_counter()
    interpreter.invoke()
    alone = time.perf_counter() - start

    ticks = [0]
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks[0] += 1

    counter = threading.Thread(target=count)
    counter.start()
    time.sleep(0.02)
    before = ticks[0]
    start = time.perf_counter()
    interpreter.invoke()
    during = time.perf_counter() - start
    gained = ticks[0] - before
    stop.set()
    counter.join()
    # With the GIL held for the whole invoke, the counter would stand still (the switch
    # interval cannot interrupt C code). It must have run for much of it.
    assert alone > 0.005, "the model ran too fast to measure (%.4fs)" % alone
    assert gained > 1000, "counter advanced %d times during a %.3fs invoke" % (gained, during)
