// guide.cpp -- the TFLite signatures guide's C++ snippet, on tflc's C++ wrapper (tflc.hpp).
//
// The guide (LiteRT):                         Here (tflc.hpp):
//   interpreter->GetSignatureRunner("encode")   interpreter.GetSignatureRunner("encode")
//   encode_runner->ResizeInputTensor("x", {100}) encode_runner.ResizeInputTensor("x", {100})
//   encode_runner->AllocateTensors()             encode_runner.AllocateTensors()
//   GetTensorData<float>(input_tensor("x"))      input_tensor("x").data<float>()
//   encode_runner->Invoke()                      encode_runner.Invoke()
//   output_tensor("encoded_result")              output_tensor("encoded_result").Strings()
//
// Then the encoded strings go through "decode" and must come back bit for bit; the exit
// status is non-zero on any mismatch or error.
//
// usage: guide_cpp [MODEL]   (default tests/models/guide_saved_model.tflite)
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tflc.hpp"

namespace {

constexpr int kN = 100;

// Multiples of 0.375 print exactly with "%f", so the round trip is exact.
float InputValue(int i) { return static_cast<float>(i - kN / 2) * 0.375f; }

std::string PrintfF(float v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%f", static_cast<double>(v));
    return buf;
}

int Run(const char *path) {
    tflc::Model model = tflc::Model::FromFile(path);
    tflc::Interpreter interpreter(model);

    // The guide's snippet.
    tflc::SignatureRunner encode_runner = interpreter.GetSignatureRunner("encode");
    encode_runner.ResizeInputTensor("x", {kN});
    encode_runner.AllocateTensors();
    tflc::Tensor input_tensor = encode_runner.input_tensor("x");
    float *input = input_tensor.data<float>();
    for (int i = 0; i < kN; i++) input[i] = InputValue(i);  // Fill `input`.
    encode_runner.Invoke();
    const tflc::Tensor output_tensor = encode_runner.output_tensor("encoded_result");
    std::vector<std::string> encoded = output_tensor.Strings();  // Access `output`.

    // And back.
    tflc::SignatureRunner decode_runner = interpreter.GetSignatureRunner("decode");
    decode_runner.SetInputStrings("x", encoded);  // resizes "x" to {100} and allocates
    decode_runner.Invoke();
    const tflc::Tensor decoded_tensor = decode_runner.output_tensor("decoded_result");
    const float *decoded = decoded_tensor.data<float>();

    int bad = 0;
    if (encoded.size() != static_cast<size_t>(kN) || decoded_tensor.element_count() != static_cast<size_t>(kN)) {
        std::fprintf(stderr, "guide_cpp: %zu strings, %zu decoded values; want %d\n", encoded.size(),
                     decoded_tensor.element_count(), kN);
        return 1;
    }
    for (int i = 0; i < kN; i++) {
        bool same_string = encoded[i] == PrintfF(input[i]);
        bool same_value = std::memcmp(&decoded[i], &input[i], sizeof(float)) == 0;
        if ((!same_string || !same_value) && bad++ < 5)
            std::fprintf(stderr, "guide_cpp: x[%d] = %g encoded as \"%s\" (want \"%s\"), decoded as %g\n", i,
                         static_cast<double>(input[i]), encoded[i].c_str(), PrintfF(input[i]).c_str(),
                         static_cast<double>(decoded[i]));
    }
    std::printf("signatures:");
    for (const std::string &key : interpreter.signature_keys()) std::printf(" %s", key.c_str());
    std::printf("\nencode: x[%d] -> encoded_result: \"%s\" \"%s\" ... \"%s\"\n", kN, encoded[0].c_str(),
                encoded[1].c_str(), encoded[kN - 1].c_str());
    std::printf("decode: encoded_result -> decoded_result: %g %g ... %g\n", static_cast<double>(decoded[0]),
                static_cast<double>(decoded[1]), static_cast<double>(decoded[kN - 1]));
    std::printf("round trip: %d of %d values equal\n", kN - bad, kN);
    return bad ? 1 : 0;
}

}  // namespace

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "tests/models/guide_saved_model.tflite";
    try {
        return Run(path);
    } catch (const tflc::Error &e) {
        std::fprintf(stderr, "guide_cpp: %s (%s)\n", e.what(), e.status_string());
        return 1;
    }
}
