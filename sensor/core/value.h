// SPDX-License-Identifier: Apache-2.0
// Value: a small ordered JSON-like tree for event details. Detection and dissectors build it;
// exporters serialize it with the one escaping function. Key order is insertion order, so
// output is deterministic without canonifiers.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
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

/// The string at `key`, or "" when it is absent or not a string.
inline std::string_view text_at(const Object& o, std::string_view key) {
    const auto* v = find(o, key);
    const auto* s = v != nullptr ? std::get_if<std::string>(&v->v) : nullptr;
    return s != nullptr ? std::string_view(*s) : std::string_view{};
}
/// The boolean at `key`; false when absent.
inline bool flag_at(const Object& o, std::string_view key) {
    const auto* v = find(o, key);
    const auto* b = v != nullptr ? std::get_if<bool>(&v->v) : nullptr;
    return b != nullptr && *b;
}
/// The integer at `key`; 0 when absent.
inline std::int64_t number_at(const Object& o, std::string_view key) {
    const auto* v = find(o, key);
    const auto* i = v != nullptr ? std::get_if<std::int64_t>(&v->v) : nullptr;
    return i != nullptr ? *i : 0;
}
/// The listed fields of `from` that are present, in the order listed.
inline Object pick(const Object& from, std::initializer_list<std::string_view> keys) {
    Object out;
    for (auto k : keys) {
        if (const auto* v = find(from, k); v != nullptr) {
            out.emplace_back(std::string(k), *v);
        }
    }
    return out;
}

}  // namespace printwatch::core
