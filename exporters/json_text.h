// SPDX-License-Identifier: Apache-2.0
// The one place where untrusted text is made safe for output (style.md §4.4). Used by the EVE
// writer and by the syslog sink, so a job name cannot inject lines or fields into either.
#pragma once

#include "core/value.h"

#include <string>
#include <string_view>

namespace printwatch::exporters {

/// Caps untrusted strings in output; longer ones end with "...".
constexpr std::size_t kMaxStringBytes = 1024;

/// Appends `s` as a JSON string literal (with quotes). Control characters become \u00XX;
/// bytes that are not valid UTF-8 become the text \xNN, so the output is always valid UTF-8
/// and never contains a raw CR or LF.
void append_json_string(std::string& out, std::string_view s, std::size_t cap = kMaxStringBytes);

/// Appends a Value as compact JSON, keys in insertion order.
void append_json(std::string& out, const core::Value& v);
/// An object in place, without wrapping (copying) it in a Value first.
void append_json(std::string& out, const core::Object& o);

/// Printable, single-line ASCII rendering of untrusted text for syslog messages: the same
/// escaping rules without the quotes; `extra` characters are backslash-escaped too.
std::string sanitize_text(std::string_view s, std::string_view extra = {},
                          std::size_t cap = kMaxStringBytes);

}  // namespace printwatch::exporters
