// test_cpp_wrapper.cpp -- the header-only C++ wrapper (include/tflc.hpp).
//
// RAII and move semantics, lifetimes in any destruction order, exceptions that carry the
// status and the library's message, the std::nothrow twins, the string helpers (through
// stand-in custom ops registered under the Flex names, and through tflc's own Flex ops),
// and the signatures guide's flow on guide_saved_model.tflite.
//
// Built twice by examples/CMakeLists.txt: test_cpp_wrapper (exceptions) and
// test_cpp_wrapper_noexcept (-fno-exceptions: only the std::nothrow API exists; the tests
// that throw are compiled out).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tflc.hpp"

extern "C" {
#include "npy.h"
}
#include "test.h"

#define MODEL(name) TFLC_TEST_MODELS_DIR "/" name

// -------------------------------------------------------------- compile time --

static_assert(!std::is_copy_constructible_v<tflc::Model>, "Model is not copyable");
static_assert(!std::is_copy_assignable_v<tflc::Model>, "Model is not copyable");
static_assert(!std::is_copy_constructible_v<tflc::Interpreter>, "Interpreter is not copyable");
static_assert(!std::is_copy_constructible_v<tflc::SignatureRunner>, "SignatureRunner is not copyable");
static_assert(!std::is_copy_assignable_v<tflc::SignatureRunner>, "SignatureRunner is not copyable");
static_assert(std::is_nothrow_move_constructible_v<tflc::Model>, "Model moves");
static_assert(std::is_nothrow_move_assignable_v<tflc::Model>, "Model moves");
static_assert(std::is_nothrow_move_constructible_v<tflc::Interpreter>, "Interpreter moves");
static_assert(std::is_nothrow_move_constructible_v<tflc::SignatureRunner>, "SignatureRunner moves");
static_assert(std::is_nothrow_move_assignable_v<tflc::SignatureRunner>, "SignatureRunner moves");
static_assert(std::is_copy_constructible_v<tflc::Tensor>, "Tensor is a view");
static_assert(std::is_base_of_v<std::runtime_error, tflc::Error>, "Error is a runtime_error");
static_assert(tflc::dtype_of<float>::value == TFLC_FLOAT32 && tflc::dtype_of<int8_t>::value == TFLC_INT8,
              "dtype_of");

// ------------------------------------------------------------------- helpers --

static std::vector<uint8_t> read_file(const char *path) {
    std::vector<uint8_t> bytes;
    FILE *f = std::fopen(path, "rb");
    if (!f) return bytes;
    unsigned char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
    std::fclose(f);
    return bytes;
}

static bool load_npy(const char *path, npy_array *a) {
    char err[256];
    int rc = npy_load(path, a, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    return rc == 0;
}

// A model + interpreter + runner made with the nothrow API only (works in both builds).
struct Session {
    tflc::Model model;
    tflc::Interpreter interp;
    tflc::SignatureRunner runner;
    bool open(const char *path, const char *key, const tflc::InterpreterOptions &options = {}) {
        if (tflc::Model::FromFile(std::nothrow, path, model) != TFLC_OK) return false;
        if (tflc::Interpreter::Create(std::nothrow, model, interp, options) != TFLC_OK) return false;
        return interp.GetSignatureRunner(std::nothrow, key, runner) == TFLC_OK;
    }
};

// ------------------------------------------------------- Flex stand-in ops --
// Registered as custom ops named "FlexAsString" / "FlexStringToNumber" (custom ops are
// looked up before tflc's own Flex kernels), so the string helpers are tested on the
// guide's models independently of src/ops/flex.

static int standin_calls;

static tflc_status same_shape_prepare(tflc_op_context *ctx) {
    const tflc_tensor *x = tflc_op_input(ctx, 0);
    return tflc_op_set_output_shape(ctx, 0, tflc_tensor_dims(x), tflc_tensor_rank(x));
}

static tflc_status as_string_invoke(tflc_op_context *ctx) {
    standin_calls++;
    const tflc_tensor *x = tflc_op_input(ctx, 0);
    const float *v = static_cast<const float *>(tflc_tensor_data_const(x));
    size_t n = tflc_tensor_element_count(x);
    std::vector<std::string> s(n);
    for (size_t i = 0; i < n; i++) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%f", static_cast<double>(v[i]));
        s[i] = buf;
    }
    // TFLite's string layout: int32 n, int32 offsets[n + 1], bytes.
    std::vector<int32_t> head(n + 2);
    head[0] = static_cast<int32_t>(n);
    int32_t off = static_cast<int32_t>(4 * (n + 2));
    for (size_t i = 0; i < n; i++) {
        head[i + 1] = off;
        off += static_cast<int32_t>(s[i].size());
    }
    head[n + 1] = off;
    std::vector<char> buf(static_cast<size_t>(off));
    std::memcpy(buf.data(), head.data(), 4 * (n + 2));
    for (size_t i = 0; i < n; i++) std::memcpy(buf.data() + head[i + 1], s[i].data(), s[i].size());
    return tflc_tensor_copy_from(tflc_op_output(ctx, 0), buf.data(), buf.size());
}

static tflc_status string_to_number_invoke(tflc_op_context *ctx) {
    standin_calls++;
    const tflc_tensor *x = tflc_op_input(ctx, 0);
    float *y = static_cast<float *>(tflc_tensor_data(tflc_op_output(ctx, 0)));
    for (size_t i = 0; i < tflc_tensor_string_count(x); i++) {
        const char *p = nullptr;
        size_t len = 0;
        tflc_tensor_string_at(x, i, &p, &len);
        std::string s(p, len);
        char *end = nullptr;
        y[i] = std::strtof(s.c_str(), &end);
        if (end == s.c_str())
            return tflc_op_fail(ctx, TFLC_ERROR_RUNTIME, "StringToNumber: cannot convert \"%s\"", s.c_str());
    }
    return TFLC_OK;
}

static tflc::InterpreterOptions standin_options() {
    tflc::InterpreterOptions o;
    o.custom_ops.push_back(tflc_custom_op{"FlexAsString", nullptr, same_shape_prepare, as_string_invoke});
    o.custom_ops.push_back(tflc_custom_op{"FlexStringToNumber", nullptr, same_shape_prepare, string_to_number_invoke});
    return o;
}

// ---------------------------------------------------------------- RAII/moves --

static void test_model_signatures_and_moves(void) {
    tflc::Model m;
    CHECK(!m);
    CHECK_OK(tflc::Model::FromFile(std::nothrow, MODEL("multi_signatures.tflite"), m));
    CHECK(static_cast<bool>(m));
    std::vector<std::string> keys = m.signature_keys();
    CHECK(keys.size() == 2 && keys[0] == "add" && keys[1] == "sub");
    std::vector<tflc::Signature> sigs = m.signatures();
    CHECK(sigs.size() == 2);
    if (sigs.size() == 2) {
        CHECK(sigs[1].key == "sub" && sigs[1].subgraph == 1);
        CHECK(sigs[0].inputs == std::vector<std::string>{"x"});
        CHECK(sigs[0].outputs == std::vector<std::string>{"output_0"});
    }
    CHECK(!m.has_default_signature_only());

    const tflc_model *raw = m.get();
    tflc::Model moved(std::move(m));
    CHECK(!m && moved.get() == raw);  // NOLINT(bugprone-use-after-move): moved-from is empty
    CHECK(m.signature_keys().empty());
    tflc::Model assigned;
    assigned = std::move(moved);
    CHECK(!moved && assigned.get() == raw);
    assigned = tflc::Model();  // frees the model
    CHECK(!assigned);

    tflc::Model nosig;
    CHECK_OK(tflc::Model::FromFile(std::nothrow, std::string(MODEL("no_signatures.tflite")), nosig));
    CHECK(nosig.has_default_signature_only());
    CHECK(nosig.signature_keys() == std::vector<std::string>{"serving_default"});
}

static void test_model_from_buffer(void) {
    std::vector<uint8_t> bytes = read_file(MODEL("multi_signatures.tflite"));
    CHECK(!bytes.empty());
    // Borrowed: the vector outlives everything below.
    tflc::Model borrowed;
    CHECK_OK(tflc::Model::FromBuffer(std::nothrow, bytes.data(), bytes.size(), borrowed));
    CHECK(borrowed.signature_keys().size() == 2);
    // Owned: the model keeps its own copy, alive as long as any runner needs it.
    tflc::SignatureRunner r;
    {
        tflc::Model owned;
        CHECK_OK(tflc::Model::FromBuffer(std::nothrow, std::vector<uint8_t>(bytes), owned));
        tflc::Interpreter it;
        CHECK_OK(tflc::Interpreter::Create(std::nothrow, owned, it));
        CHECK_OK(it.GetSignatureRunner(std::nothrow, "add", r));
    }
    CHECK_OK(r.AllocateTensors(std::nothrow));
    tflc::Tensor x;
    CHECK_OK(r.input_tensor(std::nothrow, "x", x));
    float *in = x.data<float>(std::nothrow);
    CHECK(in != nullptr);
    if (in) in[0] = 1, in[1] = 2, in[2] = 3;
    CHECK_OK(r.Invoke(std::nothrow));
    tflc::Tensor y;
    CHECK_OK(r.output_tensor(std::nothrow, "output_0", y));
    const tflc::Tensor &cy = y;
    const float *out = cy.data<float>(std::nothrow);
    CHECK(out && out[0] == 2 && out[1] == 4 && out[2] == 6);
    // A bad buffer fails and leaves the output empty.
    tflc::Model bad;
    const unsigned char junk[64] = {0};
    CHECK(tflc::Model::FromBuffer(std::nothrow, junk, sizeof junk, bad) == TFLC_ERROR_INVALID_MODEL);
    CHECK(!bad);
    CHECK(tflc::Model::FromBuffer(std::nothrow, std::vector<uint8_t>(8, 0), bad) != TFLC_OK);
    CHECK(!bad);
}

// Runners keep their interpreter and model alive: any destruction order is safe.
static void test_lifetime_any_order(void) {
    tflc::SignatureRunner add, sub;
    {
        tflc::Model m;
        CHECK_OK(tflc::Model::FromFile(std::nothrow, MODEL("multi_signatures.tflite"), m));
        tflc::Interpreter it;
        CHECK_OK(tflc::Interpreter::Create(std::nothrow, m, it));
        CHECK(it.signature_keys() == (std::vector<std::string>{"add", "sub"}));
        CHECK_OK(it.GetSignatureRunner(std::nothrow, "add", add));
        CHECK_OK(it.GetSignatureRunner(std::nothrow, "sub", sub));
        // The model handle goes first, then the interpreter: both stay alive underneath.
        m = tflc::Model();
    }
    CHECK(add && sub);
    CHECK(add.signature_key() == "add" && sub.signature_key() == "sub");
    CHECK(add.input_names() == std::vector<std::string>{"x"});
    CHECK(add.output_names() == std::vector<std::string>{"output_0"});
    CHECK(add.input_size() == 1 && add.output_size() == 1);
    for (tflc::SignatureRunner *r : {&add, &sub}) {
        CHECK_OK(r->AllocateTensors(std::nothrow));
        CHECK(r->arena_bytes() > 0);
        tflc::Tensor x;
        CHECK_OK(r->input_tensor(std::nothrow, "x", x));
        float *in = x.data<float>(std::nothrow);
        if (in) in[0] = 10, in[1] = 20, in[2] = 30;
        CHECK_OK(r->Invoke(std::nothrow));
    }
    tflc::Tensor a, s;
    CHECK_OK(add.output_tensor(std::nothrow, "output_0", a));
    CHECK_OK(sub.output_tensor(std::nothrow, "output_0", s));
    const float *av = static_cast<const tflc::Tensor &>(a).data<float>(std::nothrow);
    const float *sv = static_cast<const tflc::Tensor &>(s).data<float>(std::nothrow);
    CHECK(av && av[0] == 11 && av[1] == 22 && av[2] == 33);
    CHECK(sv && sv[0] == 9.5f && sv[1] == 21.5f && sv[2] == 26);

    // Moving a runner moves the handle; reset() frees it early.
    tflc_runner *raw = add.get();
    tflc::SignatureRunner moved(std::move(add));
    CHECK(!add && moved.get() == raw);  // NOLINT(bugprone-use-after-move)
    moved = std::move(sub);             // frees "add", takes "sub"
    CHECK(!sub && moved.signature_key() == "sub");
    moved.reset();
    CHECK(!moved && moved.input_names().empty());
    // An empty runner reports the library's error instead of crashing.
    CHECK(moved.Invoke(std::nothrow) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(tflc::LastError().c_str(), "runner is NULL");
}

// Per-operator profiling through the wrapper: off by default, one entry per operator with
// the C API's name and a count equal to the invokes since it was turned on.
static void test_profiling(void) {
    tflc::Model m;
    CHECK_OK(tflc::Model::FromFile(std::nothrow, MODEL("multi_signatures.tflite"), m));
    tflc::Interpreter it;
    CHECK_OK(tflc::Interpreter::Create(std::nothrow, m, it));
    tflc::SignatureRunner r;
    CHECK_OK(it.GetSignatureRunner(std::nothrow, "add", r));
    CHECK_OK(r.AllocateTensors(std::nothrow));
    CHECK(!r.IsProfiling() && r.Profile().empty());
    CHECK_OK(r.SetProfiling(std::nothrow, true));
    CHECK(r.IsProfiling());
    for (int i = 0; i < 3; i++) CHECK_OK(r.Invoke(std::nothrow));
    const std::vector<tflc::SignatureRunner::OpProfile> ops = r.Profile();
    CHECK(!ops.empty() && static_cast<int>(ops.size()) == tflc_runner_profile_count(r.get()));
    for (size_t i = 0; i < ops.size(); i++) {
        tflc_op_profile c;
        CHECK_OK(tflc_runner_profile_at(r.get(), static_cast<int>(i), &c));
        CHECK(ops[i].op_index == static_cast<int>(i) && ops[i].op_name == c.op_name);
        CHECK(ops[i].count == 3 && ops[i].total_ns == c.total_ns);
    }
    r.ResetProfile();
    for (const auto &op : r.Profile()) CHECK(op.count == 0 && op.total_ns == 0);
    CHECK_OK(r.SetProfiling(std::nothrow, false));
    CHECK(!r.IsProfiling() && r.Profile().empty());
    tflc::SignatureRunner empty;
    CHECK(empty.SetProfiling(std::nothrow, true) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK(!empty.IsProfiling() && empty.Profile().empty());
}

// -------------------------------------------------------------- the numbers --

// keras_dense through the wrapper matches the reference golden (batch 5).
static void test_keras_dense_golden(void) {
    Session s;
    CHECK(s.open(MODEL("keras_dense.tflite"), nullptr));
    npy_array in{}, want{};
    if (!load_npy(MODEL("keras_dense.serving_default.rand_b5.in.x_input.npy"), &in)) return;
    if (!load_npy(MODEL("keras_dense.serving_default.rand_b5.out.output_0.npy"), &want)) return;
    std::vector<int> dims(in.shape, in.shape + in.rank);
    CHECK_OK(s.runner.ResizeInputTensor(std::nothrow, "x_input", dims));
    CHECK_OK(s.runner.AllocateTensors(std::nothrow));
    tflc::Tensor x;
    CHECK_OK(s.runner.input_tensor(std::nothrow, "x_input", x));
    CHECK(x.name() == "serving_default_x_input:0");
    CHECK(x.type() == TFLC_FLOAT32 && x.dims() == dims && x.rank() == 2);
    CHECK(x.shape_signature() == (std::vector<int>{-1, 4}));
    CHECK(x.element_count() == 20 && x.bytes() == 80);
    CHECK(!x.read_only() && x.get() != nullptr);
    CHECK_OK(x.CopyFromBuffer(std::nothrow, in.data, in.count * in.itemsize));
    CHECK(x.CopyFromBuffer(std::nothrow, in.data, 4) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK_OK(s.runner.Invoke(std::nothrow));
    tflc::Tensor y;
    CHECK_OK(s.runner.output_tensor(std::nothrow, "output_0", y));
    CHECK(y.read_only() && y.get() == nullptr);
    CHECK(y.dims() == (std::vector<int>{5, 1}));
    std::vector<float> got(y.element_count());
    CHECK_OK(y.CopyToBuffer(std::nothrow, got.data(), got.size() * sizeof(float)));
    const float *w = static_cast<const float *>(want.data);
    for (size_t i = 0; i < want.count && i < got.size(); i++)
        CHECK_MSG(std::fabs(got[i] - w[i]) <= 1e-5 + 1e-5 * std::fabs(w[i]), "%zu: %g vs %g", i, (double)got[i],
                  (double)w[i]);
    // Output views are read-only for the nothrow API too.
    CHECK(y.data<float>(std::nothrow) == nullptr && y.raw_data() == nullptr);
    CHECK(y.CopyFromBuffer(std::nothrow, got.data(), got.size() * sizeof(float)) == TFLC_ERROR_MISUSE);
    // Wrong dtype: nullptr.
    CHECK(x.data<int32_t>(std::nothrow) == nullptr);
    CHECK(static_cast<const tflc::Tensor &>(x).data<uint8_t>(std::nothrow) == nullptr);
    CHECK(x.string_count() == 0);
    npy_free(&in);
    npy_free(&want);
}

static void test_nothrow_errors(void) {
    tflc::Model m;
    CHECK(tflc::Model::FromFile(std::nothrow, MODEL("does_not_exist.tflite"), m) == TFLC_ERROR_IO);
    CHECK(!m);
    CHECK_STR_CONTAINS(tflc::LastError().c_str(), "does_not_exist.tflite");

    Session s;
    CHECK(s.open(MODEL("multi_signatures.tflite"), "add"));
    tflc::SignatureRunner r;
    CHECK(s.interp.GetSignatureRunner(std::nothrow, "nope", r) == TFLC_ERROR_NOT_FOUND);
    CHECK(!r);
    CHECK_STR_CONTAINS(tflc::LastError().c_str(), "nope");
    // Two signatures: no default key.
    CHECK(s.interp.GetSignatureRunner(std::nothrow, nullptr, r) != TFLC_OK);
    CHECK(!r);

    CHECK(s.runner.Invoke(std::nothrow) == TFLC_ERROR_MISUSE);  // before AllocateTensors
    CHECK(!s.runner.error().empty());
    CHECK(s.runner.error() == tflc::LastError());
    tflc::Tensor t;
    CHECK(s.runner.input_tensor(std::nothrow, "y", t) == TFLC_ERROR_NOT_FOUND);
    CHECK(!t);
    CHECK(s.runner.output_tensor(std::nothrow, "nope", t) == TFLC_ERROR_NOT_FOUND);
    // x is [3] in the model's shape_signature: a strict resize may not change it.
    CHECK(s.runner.ResizeInputTensorStrict(std::nothrow, "x", {4}) != TFLC_OK);
    CHECK_OK(s.runner.ResizeInputTensorStrict(std::nothrow, "x", {3}));
    CHECK(s.runner.SetInputStrings(std::nothrow, "x", {"1", "2", "3"}) == TFLC_ERROR_INVALID_ARGUMENT);
    CHECK_STR_CONTAINS(tflc::LastError().c_str(), "not string");

    // An empty view answers without touching memory.
    tflc::Tensor empty;
    CHECK(!empty && empty.name().empty() && empty.dims().empty() && empty.bytes() == 0);
    CHECK(empty.data<float>(std::nothrow) == nullptr);
    std::string str;
    CHECK(empty.GetString(std::nothrow, 0, str) != TFLC_OK && str.empty());
}

#if !defined(TFLC_NO_EXCEPTIONS)
// Runs f, which must throw tflc::Error with `status`; returns its message.
template <class F> static std::string expect_error(tflc_status status, F &&f) {
    try {
        f();
    } catch (const tflc::Error &e) {
        CHECK_MSG(e.status() == status, "status %d (%s), want %d: %s", e.status(), e.status_string(), status,
                  e.what());
        CHECK(std::strlen(e.what()) > 0);
        return e.what();
    } catch (...) {
        CHECK_MSG(false, "threw something other than tflc::Error");
        return "";
    }
    CHECK_MSG(false, "did not throw (want status %d)", status);
    return "";
}

static void test_exceptions(void) {
    std::string msg = expect_error(TFLC_ERROR_IO, [] { tflc::Model::FromFile(MODEL("does_not_exist.tflite")); });
    CHECK_STR_CONTAINS(msg.c_str(), "does_not_exist.tflite");
    CHECK(msg == tflc::LastError());  // the same message on both channels

    tflc::Model model = tflc::Model::FromFile(MODEL("multi_signatures.tflite"));
    tflc::Interpreter interpreter(model);
    msg = expect_error(TFLC_ERROR_NOT_FOUND, [&] { interpreter.GetSignatureRunner("nope"); });
    CHECK_STR_CONTAINS(msg.c_str(), "add");  // names the valid keys

    tflc::SignatureRunner runner = interpreter.GetSignatureRunner("add");
    expect_error(TFLC_ERROR_MISUSE, [&] { runner.Invoke(); });
    expect_error(TFLC_ERROR_NOT_FOUND, [&] { runner.input_tensor("nope"); });
    expect_error(TFLC_ERROR_NOT_FOUND, [&] { runner.output_tensor(std::string("nope")); });
    runner.AllocateTensors();
    tflc::Tensor x = runner.input_tensor("x");
    msg = expect_error(TFLC_ERROR_INVALID_ARGUMENT, [&] { x.data<int32_t>(); });
    CHECK_STR_CONTAINS(msg.c_str(), "float32");
    CHECK_STR_CONTAINS(msg.c_str(), "int32");
    x.data<float>()[0] = 5;
    runner.Invoke();
    const tflc::Tensor y = runner.output_tensor("output_0");
    CHECK(y.data<float>()[0] == 6);
    tflc::Tensor y_copy = y;  // a copy of a read-only view stays read-only
    expect_error(TFLC_ERROR_MISUSE, [&] { y_copy.data<float>(); });
    expect_error(TFLC_ERROR_INVALID_ARGUMENT, [&] { y.GetString(0); });
    expect_error(TFLC_ERROR_INVALID_ARGUMENT, [&] { runner.ResizeInputTensorStrict("x", {1, 3}); });
    expect_error(TFLC_ERROR_INVALID_ARGUMENT, [&] { runner.SetInputStrings("x", {"1"}); });
    expect_error(TFLC_ERROR_MISUSE, [&] { tflc::Tensor().data<float>(); });
    // A failing constructor throws too.
    expect_error(TFLC_ERROR_INVALID_ARGUMENT, [] { tflc::Interpreter it{tflc::Model()}; });

    // Error is an ordinary exception object.
    tflc::Error e(TFLC_ERROR_RUNTIME, "boom");
    CHECK(e.status() == TFLC_ERROR_RUNTIME && std::string(e.what()) == "boom");
    CHECK(std::string(e.status_string()) == "runtime error");
    std::runtime_error &base = e;
    CHECK(std::string(base.what()) == "boom");
}

// A temporary Model is fine: the interpreter keeps it alive.
static void test_temporaries(void) {
    tflc::Interpreter interpreter(tflc::Model::FromFile(MODEL("keras_dense.tflite")));
    tflc::SignatureRunner runner = interpreter.GetSignatureRunner();  // the only signature
    CHECK(runner.signature_key() == "serving_default");
    runner.ResizeInputTensorStrict("x_input", {2, 4});
    runner.AllocateTensors();
    float *x = runner.input_tensor("x_input").data<float>();
    for (int i = 0; i < 8; i++) x[i] = 0.5f * static_cast<float>(i);
    runner.Invoke();
    const tflc::Tensor y = runner.output_tensor("output_0");
    CHECK(y.dims() == (std::vector<int>{2, 1}));
    CHECK(std::isfinite(y.data<float>()[1]));
}
#endif

// ------------------------------------------------------------------ strings --

// The guide's two signatures with stand-in ops: SetInputStrings, GetString, Strings.
static void test_string_helpers_standin(void) {
    Session s;
    CHECK(s.open(MODEL("guide_saved_model.tflite"), "encode", standin_options()));
    if (!s.runner) {
        CHECK_MSG(false, "%s", tflc::LastError().c_str());
        return;
    }
    standin_calls = 0;
    CHECK_OK(s.runner.ResizeInputTensor(std::nothrow, "x", {3}));
    CHECK_OK(s.runner.AllocateTensors(std::nothrow));
    tflc::Tensor x;
    CHECK_OK(s.runner.input_tensor(std::nothrow, "x", x));
    float *in = x.data<float>(std::nothrow);
    CHECK(in != nullptr);
    if (!in) return;
    in[0] = 1, in[1] = -2.5f, in[2] = 1e10f;
    CHECK_OK(s.runner.Invoke(std::nothrow));
    CHECK(standin_calls == 1);
    tflc::Tensor out;
    CHECK_OK(s.runner.output_tensor(std::nothrow, "encoded_result", out));
    CHECK(out.type() == TFLC_STRING && out.string_count() == 3);
    std::vector<std::string> strings;
    CHECK_OK(out.Strings(std::nothrow, strings));
    CHECK(strings == (std::vector<std::string>{"1.000000", "-2.500000", "10000000000.000000"}));
    std::string one;
    CHECK_OK(out.GetString(std::nothrow, 1, one));
    CHECK(one == "-2.500000");
    std::string_view view;
    CHECK_OK(out.GetStringView(std::nothrow, 2, view));
    CHECK(view == "10000000000.000000");
    CHECK(out.GetString(std::nothrow, 3, one) != TFLC_OK && one.empty());  // out of range
    CHECK(out.data<float>(std::nothrow) == nullptr);                      // strings have no T

    tflc::SignatureRunner decode;
    CHECK_OK(s.interp.GetSignatureRunner(std::nothrow, "decode", decode));
    // With embedded NUL and an explicit shape [2, 2].
    std::vector<std::string> text = {"0.5", "-3e2", std::string("7\0x", 3), "  4"};
    CHECK_OK(decode.SetInputStrings(std::nothrow, "x", text, {2, 2}));
    tflc::Tensor dx;
    CHECK_OK(decode.input_tensor(std::nothrow, "x", dx));
    CHECK(dx.dims() == (std::vector<int>{2, 2}) && dx.string_count() == 4);
    std::string back;
    CHECK_OK(dx.GetString(std::nothrow, 2, back));
    CHECK(back.size() == 3 && back == text[2]);
    CHECK_OK(decode.Invoke(std::nothrow));
    tflc::Tensor dy;
    CHECK_OK(decode.output_tensor(std::nothrow, "decoded_result", dy));
    const float *v = static_cast<const tflc::Tensor &>(dy).data<float>(std::nothrow);
    CHECK(dy.dims() == (std::vector<int>{2, 2}));
    CHECK(v && v[0] == 0.5f && v[1] == -300 && v[2] == 7 && v[3] == 4);
    // Without dims: [count].
    CHECK_OK(decode.SetInputStrings(std::nothrow, "x", {"1", "2", "3", "4", "5"}));
    CHECK_OK(decode.input_tensor(std::nothrow, "x", dx));
    CHECK(dx.dims() == (std::vector<int>{5}));
    // A shape that does not hold the strings.
    CHECK(decode.SetInputStrings(std::nothrow, "x", {"1", "2"}, {3}) == TFLC_ERROR_INVALID_ARGUMENT);
    // An op failure comes back as the op's status and message.
    CHECK_OK(decode.SetInputStrings(std::nothrow, "x", {"abc"}));
    CHECK(decode.Invoke(std::nothrow) == TFLC_ERROR_RUNTIME);
    CHECK_STR_CONTAINS(tflc::LastError().c_str(), "cannot convert \"abc\"");
    CHECK_STR_CONTAINS(decode.error().c_str(), "abc");
}

// The signatures guide's C++ flow on guide_saved_model.tflite with tflc's own Flex ops,
// checked against TensorFlow's goldens (x100 case) from tests/models.
static void test_guide_flow(void) {
    Session s;
    CHECK(s.open(MODEL("guide_saved_model.tflite"), "encode"));
    if (!s.runner) {
        CHECK_MSG(false, "%s", tflc::LastError().c_str());
        return;
    }
    npy_array in{}, want{};
    if (!load_npy(MODEL("guide_saved_model.encode.x100.in.x.npy"), &in)) return;
    if (!load_npy(MODEL("guide_saved_model.encode.x100.out.encoded_result.npy"), &want)) return;
    CHECK(in.count == 100 && want.kind == 'S');
    CHECK_OK(s.runner.ResizeInputTensor(std::nothrow, "x", {100}));
    CHECK_OK(s.runner.AllocateTensors(std::nothrow));
    tflc::Tensor x;
    CHECK_OK(s.runner.input_tensor(std::nothrow, "x", x));
    CHECK_OK(x.CopyFromBuffer(std::nothrow, in.data, in.count * sizeof(float)));
    CHECK_OK(s.runner.Invoke(std::nothrow));
    tflc::Tensor y;
    CHECK_OK(s.runner.output_tensor(std::nothrow, "encoded_result", y));
    std::vector<std::string> encoded;
    CHECK_OK(y.Strings(std::nothrow, encoded));
    CHECK(encoded.size() == 100);
    for (size_t i = 0; i < encoded.size() && i < want.count; i++) {
        const char *w = static_cast<const char *>(want.data) + i * want.itemsize;
        std::string ws(w, strnlen(w, want.itemsize));  // numpy 'S' pads with NUL
        CHECK_MSG(encoded[i] == ws, "%zu: \"%s\" vs \"%s\"", i, encoded[i].c_str(), ws.c_str());
    }

    tflc::SignatureRunner decode;
    CHECK_OK(s.interp.GetSignatureRunner(std::nothrow, "decode", decode));
    CHECK_OK(decode.SetInputStrings(std::nothrow, "x", encoded));
    CHECK_OK(decode.Invoke(std::nothrow));
    tflc::Tensor d;
    CHECK_OK(decode.output_tensor(std::nothrow, "decoded_result", d));
    npy_array dwant{};
    if (load_npy(MODEL("guide_saved_model.decode.x100.out.decoded_result.npy"), &dwant)) {
        const float *got = static_cast<const tflc::Tensor &>(d).data<float>(std::nothrow);
        CHECK(got && d.element_count() == dwant.count);
        for (size_t i = 0; got && i < dwant.count && i < d.element_count(); i++)
            CHECK(std::memcmp(&got[i], static_cast<const float *>(dwant.data) + i, sizeof(float)) == 0);
        npy_free(&dwant);
    }
    npy_free(&in);
    npy_free(&want);

#if !defined(TFLC_NO_EXCEPTIONS)
    // The same, as the guide writes it.
    tflc::Model model = tflc::Model::FromFile(MODEL("guide_saved_model.tflite"));
    tflc::Interpreter interpreter(model);
    tflc::SignatureRunner encode_runner = interpreter.GetSignatureRunner("encode");
    encode_runner.ResizeInputTensor("x", {100});
    encode_runner.AllocateTensors();
    float *input = encode_runner.input_tensor("x").data<float>();
    for (int i = 0; i < 100; i++) input[i] = static_cast<float>(i) * 0.5f;
    encode_runner.Invoke();
    const tflc::Tensor output_tensor = encode_runner.output_tensor("encoded_result");
    CHECK(output_tensor.string_count() == 100);
    CHECK(output_tensor.GetString(3) == "1.500000");
    CHECK(output_tensor.GetStringView(99) == "49.500000");
    tflc::SignatureRunner decode_runner = interpreter.GetSignatureRunner("decode");
    decode_runner.SetInputStrings("x", output_tensor.Strings());
    decode_runner.Invoke();
    const float *decoded = decode_runner.output_tensor("decoded_result").data<float>();
    for (int i = 0; i < 100; i++) CHECK(decoded[i] == input[i]);
    // TensorFlow rejects "abc" (tests/models MANIFEST error_cases); so does tflc.
    decode_runner.SetInputStrings("x", {"1", "abc"});
    std::string msg = expect_error(TFLC_ERROR_RUNTIME, [&] { decode_runner.Invoke(); });
    CHECK_STR_CONTAINS(msg.c_str(), "abc");
#endif
}

static void run_tests(void) {
    TEST(test_model_signatures_and_moves);
    TEST(test_model_from_buffer);
    TEST(test_lifetime_any_order);
    TEST(test_profiling);
    TEST(test_keras_dense_golden);
    TEST(test_nothrow_errors);
#if !defined(TFLC_NO_EXCEPTIONS)
    TEST(test_exceptions);
    TEST(test_temporaries);
#endif
    TEST(test_string_helpers_standin);
    TEST(test_guide_flow);
}

TEST_MAIN()
