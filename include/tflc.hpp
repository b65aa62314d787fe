/*
 * tflc.hpp -- a header-only C++17 wrapper over tflc.h, with the names a LiteRT C++ user
 * knows (GetSignatureRunner, ResizeInputTensor, AllocateTensors, input_tensor, Invoke,
 * output_tensor). The signatures guide's C++ snippet:
 *
 *     #include "tflc.hpp"
 *
 *     tflc::Model model = tflc::Model::FromFile("guide_saved_model.tflite");
 *     tflc::Interpreter interpreter(model);
 *     tflc::SignatureRunner encode_runner = interpreter.GetSignatureRunner("encode");
 *     encode_runner.ResizeInputTensor("x", {100});
 *     encode_runner.AllocateTensors();
 *     float *input = encode_runner.input_tensor("x").data<float>();  // fill input[0..99]
 *     encode_runner.Invoke();
 *     std::vector<std::string> encoded = encode_runner.output_tensor("encoded_result").Strings();
 *
 *     tflc::SignatureRunner decode_runner = interpreter.GetSignatureRunner("decode");
 *     decode_runner.SetInputStrings("x", encoded);                  // resizes and allocates
 *     decode_runner.Invoke();
 *     const float *decoded = decode_runner.output_tensor("decoded_result").data<float>();
 *
 * ERRORS. Every operation that can fail comes in two forms:
 *
 *     runner.Invoke();                                   // throws tflc::Error on failure
 *     tflc_status s = runner.Invoke(std::nothrow);       // returns the status instead
 *
 * The throwing form returns the result (or nothing); the std::nothrow form takes the tag
 * first, returns a tflc_status and delivers a result through an out-parameter that is left
 * empty on failure:
 *
 *     tflc::SignatureRunner r;
 *     if (interpreter.GetSignatureRunner(std::nothrow, "encode", r) != TFLC_OK)
 *         std::fprintf(stderr, "%s\n", tflc::LastError().c_str());
 *
 * tflc::Error derives from std::runtime_error; what() is the library's message (it names
 * the place and the fault: "subgraph 1, operator 0: ...") and status() the tflc_status.
 * After a failing std::nothrow call, tflc::LastError() (tflc_last_error, per thread) holds
 * the same message (except for the wrapper's own checks -- a read-only output view, a dtype
 * mismatch in data<T>(std::nothrow) -- which give only the status or nullptr). The
 * std::nothrow forms never throw tflc::Error; like any use of
 * std::string / std::vector they can still let std::bad_alloc escape when they return
 * strings or vectors.
 *
 * Without exceptions: when the compiler has exceptions disabled (-fno-exceptions: the
 * feature macro __cpp_exceptions is not defined), or when TFLC_NO_EXCEPTIONS is defined
 * before including this header, only the std::nothrow forms (and the accessors that cannot
 * fail) exist; the throwing forms are not declared, so a call to one is a compile error.
 *
 * OWNERSHIP AND LIFETIME. Model, Interpreter and SignatureRunner own their C handle: they
 * are movable, not copyable, and free the handle in their destructor (a moved-from or
 * default-constructed object is empty: operator bool is false and it frees nothing).
 * The C API requires that runners be freed before their interpreter and interpreters
 * before their model; the wrapper makes that automatic: an Interpreter holds a shared
 * reference to its model and a SignatureRunner to its interpreter, so the objects may be
 * destroyed in any order (a runner keeps its interpreter and model alive).
 *
 * GetSignatureRunner differs from LiteRT on purpose. LiteRT returns a SignatureRunner*
 * owned by the interpreter, one per key, which dangles once the interpreter is gone.
 * tflc::Interpreter::GetSignatureRunner returns a new SignatureRunner by value on every
 * call: it owns its tensors and arena (call it once per signature and keep it), it stays
 * valid as long as it exists, and two runners of one interpreter may run at the same time
 * on different threads (one thread per runner). An unknown key throws tflc::Error with
 * TFLC_ERROR_NOT_FOUND (LiteRT returns nullptr).
 *
 * tflc::Tensor is a non-owning view of a runner's tensor: valid while its runner exists;
 * its data pointer, dims and strings are valid until the next ResizeInputTensor,
 * AllocateTensors or SetInputStrings on that runner (strings of an output: until the next
 * Invoke). output_tensor() returns a read-only view: data<T>() on it gives const T*, and
 * the non-const data<T>() of a copied output view throws (TFLC_ERROR_MISUSE).
 *
 * Threads: as tflc.h. Exceptions are thrown on the thread that made the call.
 */
#ifndef TFLC_HPP
#define TFLC_HPP

#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tflc.h"

#if !defined(TFLC_NO_EXCEPTIONS) && !defined(__cpp_exceptions)
#define TFLC_NO_EXCEPTIONS 1
#endif

namespace tflc {

/* ------------------------------------------------------------------ errors -- */

/* A failed tflc call: status() is the tflc_status, what() the library's message. */
class Error : public std::runtime_error {
public:
    Error(tflc_status status, const std::string &message)
        : std::runtime_error(message), status_(status) {}
    tflc_status status() const noexcept { return status_; }
    /* tflc_status_string(status()): "not found", "invalid model", ... */
    const char *status_string() const noexcept { return tflc_status_string(status_); }

private:
    tflc_status status_;
};

/* The message of the last failing tflc call on this thread ("" if none). */
inline std::string LastError() { return tflc_last_error(); }

/* The library's version ("0.1.0"); compare with TFLC_VERSION_STRING. */
inline const char *Version() noexcept { return tflc_version(); }

namespace detail {

/* A NUL-terminated name argument, from a const char* or a std::string without a copy. */
struct Name {
    Name(const char *s) : p(s) {}  // NOLINT: implicit on purpose
    Name(const std::string &s) : p(s.c_str()) {}  // NOLINT
    const char *p;
};

#if !defined(TFLC_NO_EXCEPTIONS)
[[noreturn]] inline void raise(tflc_status status, const std::string &message) {
    throw Error(status, message.empty() ? std::string(tflc_status_string(status)) : message);
}
/* Throws the library's message for a failed call. */
inline void check(tflc_status status) {
    if (status != TFLC_OK) raise(status, tflc_last_error());
}
#endif

inline std::vector<int> int_vector(const int32_t *v, int n) {
    std::vector<int> out;
    if (v && n > 0) out.assign(v, v + n);
    return out;
}

inline std::vector<int32_t> int32_vector(const std::vector<int> &v) {
    return std::vector<int32_t>(v.begin(), v.end());
}

inline std::string str(const char *s) { return s ? std::string(s) : std::string(); }

}  // namespace detail

/* ------------------------------------------------------------------ dtypes -- */

/* dtype_of<T>::value: the tflc_dtype whose elements are T (for Tensor::data<T>). float16,
 * bfloat16, int4 and string have no C++ element type here: use raw_data() / the string
 * functions. */
template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr tflc_dtype value = TFLC_FLOAT32; };
template <> struct dtype_of<double> { static constexpr tflc_dtype value = TFLC_FLOAT64; };
template <> struct dtype_of<int8_t> { static constexpr tflc_dtype value = TFLC_INT8; };
template <> struct dtype_of<int16_t> { static constexpr tflc_dtype value = TFLC_INT16; };
template <> struct dtype_of<int32_t> { static constexpr tflc_dtype value = TFLC_INT32; };
template <> struct dtype_of<int64_t> { static constexpr tflc_dtype value = TFLC_INT64; };
template <> struct dtype_of<uint8_t> { static constexpr tflc_dtype value = TFLC_UINT8; };
template <> struct dtype_of<uint16_t> { static constexpr tflc_dtype value = TFLC_UINT16; };
template <> struct dtype_of<uint32_t> { static constexpr tflc_dtype value = TFLC_UINT32; };
template <> struct dtype_of<uint64_t> { static constexpr tflc_dtype value = TFLC_UINT64; };
template <> struct dtype_of<bool> { static constexpr tflc_dtype value = TFLC_BOOL; };
template <> struct dtype_of<std::complex<float>> { static constexpr tflc_dtype value = TFLC_COMPLEX64; };
template <> struct dtype_of<std::complex<double>> { static constexpr tflc_dtype value = TFLC_COMPLEX128; };
static_assert(sizeof(bool) == 1, "tflc BOOL tensors hold one byte per element");

/* ------------------------------------------------------------------ tensor -- */

/* A non-owning view of one tensor of a SignatureRunner (see the lifetime notes above).
 * Copying a view is cheap and copies the view, not the tensor. */
class Tensor {
public:
    Tensor() = default;

    explicit operator bool() const noexcept { return t_ != nullptr; }
    /* The view of an output_tensor() is read-only. */
    bool read_only() const noexcept { return !writable_; }

    std::string name() const { return detail::str(tflc_tensor_name(t_)); }
    tflc_dtype type() const noexcept { return tflc_tensor_dtype(t_); }
    int rank() const noexcept { return t_ ? tflc_tensor_rank(t_) : 0; }
    std::vector<int> dims() const { return t_ ? detail::int_vector(tflc_tensor_dims(t_), rank()) : std::vector<int>(); }
    /* -1 marks a dynamic dimension. */
    std::vector<int> shape_signature() const {
        int n = 0;
        const int32_t *s = t_ ? tflc_tensor_shape_signature(t_, &n) : nullptr;
        return detail::int_vector(s, n);
    }
    size_t element_count() const noexcept { return t_ ? tflc_tensor_element_count(t_) : 0; }
    /* Bytes of the data; for a string tensor, of its TFLite string buffer. */
    size_t bytes() const noexcept { return t_ ? tflc_tensor_byte_size(t_) : 0; }
    tflc_quantization quantization() const noexcept {
        tflc_quantization q{};
        if (t_) tflc_tensor_quantization(t_, &q);
        return q;
    }

    /* The elements as T*, when the tensor's dtype is dtype_of<T>::value (else tflc::Error,
     * TFLC_ERROR_INVALID_ARGUMENT; non-const on an output view: TFLC_ERROR_MISUSE).
     * nullptr before AllocateTensors. */
#if !defined(TFLC_NO_EXCEPTIONS)
    template <class T> T *data() {
        check_type(dtype_of<T>::value);
        if (!writable_)
            detail::raise(TFLC_ERROR_MISUSE, "tensor '" + name() + "' is an output: read it through a const Tensor");
        return static_cast<T *>(tflc_tensor_data(t_));
    }
    template <class T> const T *data() const {
        check_type(dtype_of<T>::value);
        return static_cast<const T *>(tflc_tensor_data_const(t_));
    }
#endif
    /* As data<T>(), but nullptr on a dtype mismatch, an empty view, or (non-const) an
     * output view. */
    template <class T> T *data(std::nothrow_t) noexcept {
        if (!t_ || !writable_ || type() != dtype_of<T>::value) return nullptr;
        return static_cast<T *>(tflc_tensor_data(t_));
    }
    template <class T> const T *data(std::nothrow_t) const noexcept {
        if (!t_ || type() != dtype_of<T>::value) return nullptr;
        return static_cast<const T *>(tflc_tensor_data_const(t_));
    }
    /* The bytes, whatever the dtype (nullptr for an output view / before allocate). */
    void *raw_data() noexcept { return writable_ ? tflc_tensor_data(t_) : nullptr; }
    const void *raw_data() const noexcept { return tflc_tensor_data_const(t_); }

    /* Copies exactly bytes() bytes in or out (tflc_tensor_copy_from / _to). */
#if !defined(TFLC_NO_EXCEPTIONS)
    void CopyFromBuffer(const void *data, size_t size) { detail::check(CopyFromBuffer(std::nothrow, data, size)); }
    void CopyToBuffer(void *data, size_t size) const { detail::check(CopyToBuffer(std::nothrow, data, size)); }
#endif
    tflc_status CopyFromBuffer(std::nothrow_t, const void *data, size_t size) noexcept {
        if (!writable_ && t_) return TFLC_ERROR_MISUSE;
        return tflc_tensor_copy_from(t_, data, size);
    }
    tflc_status CopyToBuffer(std::nothrow_t, void *data, size_t size) const noexcept {
        return tflc_tensor_copy_to(t_, data, size);
    }

    /* ------------------------------------------------------------ strings -- */

    /* Number of strings of a string tensor (0 for other dtypes). */
    size_t string_count() const noexcept { return t_ ? tflc_tensor_string_count(t_) : 0; }
#if !defined(TFLC_NO_EXCEPTIONS)
    /* String i, copied. */
    std::string GetString(size_t index) const { return std::string(GetStringView(index)); }
    /* String i in place: valid until the tensor's strings change (see the notes above). */
    std::string_view GetStringView(size_t index) const {
        std::string_view v;
        detail::check(GetStringView(std::nothrow, index, v));
        return v;
    }
    /* Every string, copied, in element order. */
    std::vector<std::string> Strings() const {
        std::vector<std::string> out;
        detail::check(Strings(std::nothrow, out));
        return out;
    }
#endif
    tflc_status GetString(std::nothrow_t, size_t index, std::string &out) const {
        std::string_view v;
        tflc_status s = GetStringView(std::nothrow, index, v);
        out.assign(v.data(), v.size());
        return s;
    }
    tflc_status GetStringView(std::nothrow_t, size_t index, std::string_view &out) const noexcept {
        const char *data = nullptr;
        size_t size = 0;
        tflc_status s = tflc_tensor_string_at(t_, index, &data, &size);
        out = s == TFLC_OK ? std::string_view(data, size) : std::string_view();
        return s;
    }
    tflc_status Strings(std::nothrow_t, std::vector<std::string> &out) const {
        out.clear();
        size_t n = string_count();
        out.reserve(n);
        for (size_t i = 0; i < n; i++) {
            std::string_view v;
            tflc_status s = GetStringView(std::nothrow, i, v);
            if (s != TFLC_OK) {
                out.clear();
                return s;
            }
            out.emplace_back(v);
        }
        return TFLC_OK;
    }

    /* The C handle; the non-const overload gives nullptr for a read-only view. */
    tflc_tensor *get() noexcept { return writable_ ? t_ : nullptr; }
    const tflc_tensor *get() const noexcept { return t_; }

private:
    friend class SignatureRunner;
    Tensor(tflc_tensor *t, bool writable) : t_(t), writable_(writable) {}

#if !defined(TFLC_NO_EXCEPTIONS)
    void check_type(tflc_dtype want) const {
        if (!t_) detail::raise(TFLC_ERROR_MISUSE, "empty tflc::Tensor");
        if (type() != want)
            detail::raise(TFLC_ERROR_INVALID_ARGUMENT, "tensor '" + name() + "' is " + tflc_dtype_name(type()) +
                                                            ", not " + tflc_dtype_name(want));
    }
#endif

    tflc_tensor *t_ = nullptr;
    bool writable_ = false;
};

/* ------------------------------------------------------------------- model -- */

/* One signature as the model declares it (names in file order). */
struct Signature {
    std::string key;
    int subgraph = 0;
    std::vector<std::string> inputs, outputs;
};

/* A loaded, verified, immutable model. */
class Model {
public:
    Model() = default;
    Model(Model &&) noexcept = default;
    Model &operator=(Model &&) noexcept = default;
    Model(const Model &) = delete;
    Model &operator=(const Model &) = delete;

#if !defined(TFLC_NO_EXCEPTIONS)
    /* Maps and verifies the file (LiteRT: FlatBufferModel::BuildFromFile). */
    static Model FromFile(detail::Name path, const tflc_model_options *options = nullptr) {
        Model m;
        detail::check(FromFile(std::nothrow, path, m, options));
        return m;
    }
    /* Borrows data[0..size): keep it alive and unchanged while any Model, Interpreter or
     * SignatureRunner made from it exists (tflc_model_load_buffer). */
    static Model FromBuffer(const void *data, size_t size, const tflc_model_options *options = nullptr) {
        Model m;
        detail::check(FromBuffer(std::nothrow, data, size, m, options));
        return m;
    }
    /* Takes the bytes: the model owns them. */
    static Model FromBuffer(std::vector<uint8_t> bytes, const tflc_model_options *options = nullptr) {
        Model m;
        detail::check(FromBuffer(std::nothrow, std::move(bytes), m, options));
        return m;
    }
#endif
    static tflc_status FromFile(std::nothrow_t, detail::Name path, Model &out,
                                const tflc_model_options *options = nullptr) {
        tflc_model *m = nullptr;
        tflc_status s = tflc_model_load_file(path.p, options, &m);
        out.adopt(m, nullptr);
        return s;
    }
    static tflc_status FromBuffer(std::nothrow_t, const void *data, size_t size, Model &out,
                                  const tflc_model_options *options = nullptr) {
        tflc_model *m = nullptr;
        tflc_status s = tflc_model_load_buffer(data, size, options, &m);
        out.adopt(m, nullptr);
        return s;
    }
    static tflc_status FromBuffer(std::nothrow_t, std::vector<uint8_t> bytes, Model &out,
                                  const tflc_model_options *options = nullptr) {
        auto owned = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
        tflc_model *m = nullptr;
        tflc_status s = tflc_model_load_buffer(owned->data(), owned->size(), options, &m);
        out.adopt(m, s == TFLC_OK ? std::move(owned) : nullptr);
        return s;
    }

    explicit operator bool() const noexcept { return model_ != nullptr; }
    const tflc_model *get() const noexcept { return model_.get(); }

    /* Signature keys in file order (the default "serving_default" for a model without
     * SignatureDefs). */
    std::vector<std::string> signature_keys() const {
        std::vector<std::string> keys;
        for (int i = 0; i < tflc_model_signature_count(get()); i++)
            keys.push_back(detail::str(tflc_model_signature_key(get(), i)));
        return keys;
    }
    /* Every signature with its inputs and outputs, in file order. */
    std::vector<Signature> signatures() const {
        std::vector<Signature> out;
        const tflc_model *m = get();
        for (int i = 0; i < tflc_model_signature_count(m); i++) {
            Signature s;
            s.key = detail::str(tflc_model_signature_key(m, i));
            s.subgraph = tflc_model_signature_subgraph(m, i);
            for (int k = 0; k < tflc_model_signature_input_count(m, i); k++)
                s.inputs.push_back(detail::str(tflc_model_signature_input_name(m, i, k)));
            for (int k = 0; k < tflc_model_signature_output_count(m, i); k++)
                s.outputs.push_back(detail::str(tflc_model_signature_output_name(m, i, k)));
            out.push_back(std::move(s));
        }
        return out;
    }
    /* True when the model has no SignatureDefs and its one signature is the default. */
    bool has_default_signature_only() const noexcept { return tflc_model_signature_is_default(get()) != 0; }

private:
    friend class Interpreter;
    void adopt(tflc_model *m, std::shared_ptr<std::vector<uint8_t>> bytes) {
        if (!m) {
            model_.reset();
            return;
        }
        /* The deleter keeps owned bytes alive until the model is freed. */
        model_ = std::shared_ptr<tflc_model>(m, [bytes = std::move(bytes)](tflc_model *p) { tflc_model_free(p); });
    }

    std::shared_ptr<tflc_model> model_;
};

/* ------------------------------------------------------------- interpreter -- */

class SignatureRunner;

struct InterpreterOptions {
    int num_threads = 0;                   /* 0 or 1: single-threaded kernels */
    std::vector<tflc_custom_op> custom_ops; /* copied at create; names must outlive it */
};

/* A model plus the state its signatures share. Keeps its model alive. */
class Interpreter {
public:
    Interpreter() = default;
    Interpreter(Interpreter &&) noexcept = default;
    Interpreter &operator=(Interpreter &&) noexcept = default;
    Interpreter(const Interpreter &) = delete;
    Interpreter &operator=(const Interpreter &) = delete;

#if !defined(TFLC_NO_EXCEPTIONS)
    explicit Interpreter(const Model &model, const InterpreterOptions &options = {}) {
        detail::check(Create(std::nothrow, model, *this, options));
    }
#endif
    static tflc_status Create(std::nothrow_t, const Model &model, Interpreter &out,
                              const InterpreterOptions &options = {}) {
        tflc_interpreter_options o;
        tflc_interpreter_options_init(&o);
        o.num_threads = options.num_threads;
        o.custom_ops = options.custom_ops.empty() ? nullptr : options.custom_ops.data();
        o.custom_op_count = static_cast<int>(options.custom_ops.size());
        tflc_interpreter *it = nullptr;
        tflc_status s = tflc_interpreter_create(model.get(), &o, &it);
        if (!it) {
            out.interp_.reset();
            return s;
        }
        /* Freed before the model reference held by the deleter is released. */
        out.interp_ = std::shared_ptr<tflc_interpreter>(
            it, [keep = model.model_](tflc_interpreter *p) { tflc_interpreter_free(p); });
        return s;
    }

    explicit operator bool() const noexcept { return interp_ != nullptr; }
    tflc_interpreter *get() const noexcept { return interp_.get(); }

    std::vector<std::string> signature_keys() const {
        std::vector<std::string> keys;
        const tflc_model *m = tflc_interpreter_model(get());
        for (int i = 0; i < tflc_model_signature_count(m); i++)
            keys.push_back(detail::str(tflc_model_signature_key(m, i)));
        return keys;
    }

#if !defined(TFLC_NO_EXCEPTIONS)
    /* A new runner for signature `key` (nullptr: the model's only signature). */
    inline SignatureRunner GetSignatureRunner(detail::Name key = nullptr);
#endif
    inline tflc_status GetSignatureRunner(std::nothrow_t, detail::Name key, SignatureRunner &out);

private:
    std::shared_ptr<tflc_interpreter> interp_;
};

/* ---------------------------------------------------------------- runner -- */

/* One signature of an interpreter, with its own tensors and arena. Keeps its interpreter
 * (and so the model) alive. */
class SignatureRunner {
public:
    SignatureRunner() = default;
    ~SignatureRunner() { reset(); }
    SignatureRunner(SignatureRunner &&o) noexcept : r_(o.r_), interp_(std::move(o.interp_)) { o.r_ = nullptr; }
    SignatureRunner &operator=(SignatureRunner &&o) noexcept {
        if (this != &o) {
            reset();
            r_ = o.r_;
            interp_ = std::move(o.interp_);
            o.r_ = nullptr;
        }
        return *this;
    }
    SignatureRunner(const SignatureRunner &) = delete;
    SignatureRunner &operator=(const SignatureRunner &) = delete;

    /* Frees the runner now (then releases the interpreter reference). */
    void reset() noexcept {
        tflc_runner_free(r_);
        r_ = nullptr;
        interp_.reset();
    }

    explicit operator bool() const noexcept { return r_ != nullptr; }
    tflc_runner *get() const noexcept { return r_; }

    std::string signature_key() const { return detail::str(tflc_runner_signature_key(r_)); }
    size_t input_size() const noexcept { return r_ ? static_cast<size_t>(tflc_runner_input_count(r_)) : 0; }
    size_t output_size() const noexcept { return r_ ? static_cast<size_t>(tflc_runner_output_count(r_)) : 0; }
    std::vector<std::string> input_names() const {
        std::vector<std::string> v;
        for (int i = 0; r_ && i < tflc_runner_input_count(r_); i++) v.push_back(detail::str(tflc_runner_input_name(r_, i)));
        return v;
    }
    std::vector<std::string> output_names() const {
        std::vector<std::string> v;
        for (int i = 0; r_ && i < tflc_runner_output_count(r_); i++) v.push_back(detail::str(tflc_runner_output_name(r_, i)));
        return v;
    }
    /* This runner's last failure message ("" if none). */
    std::string error() const { return r_ ? detail::str(tflc_runner_error(r_)) : std::string(); }
    size_t arena_bytes() const noexcept { return tflc_runner_arena_bytes(r_); }

    /* Per-operator timing (tflc_runner_set_profiling): one entry per operator of the
     * signature's subgraph, in operator order; empty while profiling is off. */
    struct OpProfile {
        int op_index;
        std::string op_name;
        uint64_t count;     /* invokes that ran it since enabled or reset */
        uint64_t total_ns;  /* its wall time over those invokes */
    };
    bool IsProfiling() const noexcept { return r_ && tflc_runner_is_profiling(r_); }
    void ResetProfile() noexcept { tflc_runner_reset_profile(r_); }
    std::vector<OpProfile> Profile() const {
        std::vector<OpProfile> v;
        const int n = r_ ? tflc_runner_profile_count(r_) : 0;
        for (int i = 0; i < n; i++) {
            tflc_op_profile op;
            if (tflc_runner_profile_at(r_, i, &op) == TFLC_OK)
                v.push_back(OpProfile{op.op_index, detail::str(op.op_name), op.count, op.total_ns});
        }
        return v;
    }

#if !defined(TFLC_NO_EXCEPTIONS)
    /* Any shape the operators accept (checked at AllocateTensors). */
    void ResizeInputTensor(detail::Name name, const std::vector<int> &dims) {
        detail::check(ResizeInputTensor(std::nothrow, name, dims));
    }
    /* Only dimensions that the shape_signature marks -1 may change. */
    void ResizeInputTensorStrict(detail::Name name, const std::vector<int> &dims) {
        detail::check(ResizeInputTensorStrict(std::nothrow, name, dims));
    }
    void AllocateTensors() { detail::check(AllocateTensors(std::nothrow)); }
    void Invoke() { detail::check(Invoke(std::nothrow)); }
    /* Turns per-operator timing on (clearing the counters) or off. */
    void SetProfiling(bool enable) { detail::check(SetProfiling(std::nothrow, enable)); }
    Tensor input_tensor(detail::Name name) {
        Tensor t;
        detail::check(input_tensor(std::nothrow, name, t));
        return t;
    }
    const Tensor output_tensor(detail::Name name) const {
        Tensor t;
        detail::check(output_tensor(std::nothrow, name, t));
        return t;
    }
    /* Sets string input `name` to `strings`: it keeps its shape if that holds
     * strings.size() elements, else becomes [strings.size()]. Re-allocates when the shape
     * changes (earlier tensor data pointers of this runner become invalid). */
    void SetInputStrings(detail::Name name, const std::vector<std::string> &strings) {
        detail::check(SetInputStrings(std::nothrow, name, strings));
    }
    /* The same with an explicit shape (element count == strings.size(); {} is a scalar). */
    void SetInputStrings(detail::Name name, const std::vector<std::string> &strings, const std::vector<int> &dims) {
        detail::check(SetInputStrings(std::nothrow, name, strings, dims));
    }
#endif

    tflc_status ResizeInputTensor(std::nothrow_t, detail::Name name, const std::vector<int> &dims) {
        std::vector<int32_t> d = detail::int32_vector(dims);
        return tflc_runner_resize_input(r_, name.p, d.data(), static_cast<int>(d.size()));
    }
    tflc_status ResizeInputTensorStrict(std::nothrow_t, detail::Name name, const std::vector<int> &dims) {
        std::vector<int32_t> d = detail::int32_vector(dims);
        return tflc_runner_resize_input_strict(r_, name.p, d.data(), static_cast<int>(d.size()));
    }
    tflc_status AllocateTensors(std::nothrow_t) noexcept { return tflc_runner_allocate(r_); }
    tflc_status Invoke(std::nothrow_t) noexcept { return tflc_runner_invoke(r_); }
    tflc_status SetProfiling(std::nothrow_t, bool enable) noexcept { return tflc_runner_set_profiling(r_, enable ? 1 : 0); }
    tflc_status input_tensor(std::nothrow_t, detail::Name name, Tensor &out) noexcept {
        tflc_tensor *t = nullptr;
        tflc_status s = tflc_runner_input(r_, name.p, &t);
        out = Tensor(t, true);
        return s;
    }
    /* `out` becomes a read-only view. */
    tflc_status output_tensor(std::nothrow_t, detail::Name name, Tensor &out) const noexcept {
        const tflc_tensor *t = nullptr;
        tflc_status s = tflc_runner_output(r_, name.p, &t);
        /* Read-only: the view never hands out a mutable pointer (see Tensor::writable_). */
        out = Tensor(const_cast<tflc_tensor *>(t), false);
        return s;
    }
    tflc_status SetInputStrings(std::nothrow_t, detail::Name name, const std::vector<std::string> &strings) {
        std::vector<tflc_string_ref> refs = string_refs(strings);
        return tflc_runner_set_input_strings(r_, name.p, refs.data(), refs.size(), nullptr, 0);
    }
    tflc_status SetInputStrings(std::nothrow_t, detail::Name name, const std::vector<std::string> &strings,
                                const std::vector<int> &dims) {
        std::vector<tflc_string_ref> refs = string_refs(strings);
        std::vector<int32_t> d = detail::int32_vector(dims);
        /* A non-NULL dims pointer even for rank 0: an explicit scalar shape. */
        static const int32_t no_dims[1] = {0};
        return tflc_runner_set_input_strings(r_, name.p, refs.data(), refs.size(), d.empty() ? no_dims : d.data(),
                                             static_cast<int>(d.size()));
    }

private:
    friend class Interpreter;
    static std::vector<tflc_string_ref> string_refs(const std::vector<std::string> &strings) {
        std::vector<tflc_string_ref> refs;
        refs.reserve(strings.size());
        for (const std::string &s : strings) refs.push_back(tflc_string_ref{s.data(), s.size()});
        return refs;
    }

    tflc_runner *r_ = nullptr;
    std::shared_ptr<tflc_interpreter> interp_;
};

#if !defined(TFLC_NO_EXCEPTIONS)
inline SignatureRunner Interpreter::GetSignatureRunner(detail::Name key) {
    SignatureRunner r;
    detail::check(GetSignatureRunner(std::nothrow, key, r));
    return r;
}
#endif

inline tflc_status Interpreter::GetSignatureRunner(std::nothrow_t, detail::Name key, SignatureRunner &out) {
    tflc_runner *r = nullptr;
    tflc_status s = tflc_runner_create(interp_.get(), key.p, &r);
    out.reset();
    if (r) {
        out.r_ = r;
        out.interp_ = interp_;
    }
    return s;
}

}  // namespace tflc

#endif /* TFLC_HPP */
