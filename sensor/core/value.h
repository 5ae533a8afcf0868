// SPDX-License-Identifier: Apache-2.0
// Value: a small ordered JSON-like tree for event details. Detection and dissectors build it;
// exporters serialize it with the one escaping function. Key order is insertion order, so
// output is deterministic without canonifiers.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace printwatch::core {

struct Value;
using Object = std::vector<std::pair<std::string, Value>>;
using Array = std::vector<Value>;

struct Value {
    std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Array, Object> v;

    Value() : v(nullptr) {}
    Value(bool b) : v(b) {}                                      // NOLINT: implicit by design
    Value(int i) : v(static_cast<std::int64_t>(i)) {}            // NOLINT
    Value(std::int64_t i) : v(i) {}                              // NOLINT
    Value(std::uint64_t i) : v(static_cast<std::int64_t>(i)) {}  // NOLINT
    Value(std::uint32_t i) : v(static_cast<std::int64_t>(i)) {}  // NOLINT
    Value(double d) : v(d) {}                                    // NOLINT
    Value(std::string s) : v(std::move(s)) {}                    // NOLINT
    Value(const char* s) : v(std::string(s)) {}                  // NOLINT
    Value(Array a) : v(std::move(a)) {}                          // NOLINT
    Value(Object o) : v(std::move(o)) {}                         // NOLINT
};

/// Looks up a key in an Object; nullptr if absent. Linear: objects here are small.
inline const Value* find(const Object& o, std::string_view key) {
    for (const auto& [k, v] : o) {
        if (k == key) {
            return &v;
        }
    }
    return nullptr;
}

}  // namespace printwatch::core
