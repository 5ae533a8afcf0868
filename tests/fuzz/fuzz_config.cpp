// SPDX-License-Identifier: Apache-2.0
// libFuzzer target over the config loader: any text must give a config or a list of errors,
// never a crash, an exception or a hang (yaml-cpp throws on malformed YAML; the loader must
// turn every throw into an error naming the line).
#include "app/config_load.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 64 * 1024) {
        return 0;  // a config is small; huge inputs only slow yaml-cpp down
    }
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto result = printwatch::app::load_config_text(text, "fuzz.yaml");
    if (!result) {
        // Every error names the file, so an operator can find it.
        for (const auto& e : result.error()) {
            if (e.rfind("fuzz.yaml", 0) != 0) {
                __builtin_trap();
            }
        }
    }
    return 0;
}
