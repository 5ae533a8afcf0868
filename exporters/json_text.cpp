// SPDX-License-Identifier: Apache-2.0
#include "json_text.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace printwatch::exporters {

namespace {

constexpr std::string_view kHex = "0123456789abcdef";

/// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid (RFC 3629:
/// no overlongs, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    unsigned lo = 0x80;
    unsigned hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (s.size() - i < len) {
        return 0;
    }
    for (std::size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if (cc < (k == 1 ? lo : 0x80U) || cc > (k == 1 ? hi : 0xbfU)) {
            return 0;
        }
    }
    return len;
}

void append_hex_byte(std::string& out, std::string_view prefix, unsigned char c) {
    out.append(prefix);
    out.push_back(kHex[c >> 4U]);
    out.push_back(kHex[c & 0x0fU]);
}

/// An ASCII byte that is backslash-escaped: in JSON the quote and the backslash, in text the
/// backslash and the caller's `extra` bytes.
bool is_special(unsigned char c, bool json, std::string_view extra) noexcept {
    return json ? (c == '"' || c == '\\')
                : (c == '\\' || extra.find(static_cast<char>(c)) != std::string_view::npos);
}

/// A byte copied as it is: printable ASCII that is not special.
bool is_plain(unsigned char c, bool json, std::string_view extra) noexcept {
    return c >= 0x20 && c < 0x7f && !is_special(c, json, extra);
}

/// One ASCII byte that is not plain: backslash-escaped when special, otherwise (a control)
/// \u00XX in JSON or \xNN in text.
void escape_ascii(std::string& out, unsigned char c, bool json, std::string_view extra) {
    if (is_special(c, json, extra)) {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
    } else {
        append_hex_byte(out, json ? "\\u00" : "\\x", c);
    }
}

/// U+0085 (NEL), U+2028 and U+2029 end lines for JavaScript and many log splitters, although
/// JSON allows them raw: they are written as \u escapes, like the C0 controls.
std::string_view line_separator(std::string_view seq) noexcept {
    if (seq == "\xc2\x85") {
        return "\\u0085";
    }
    if (seq == "\xe2\x80\xa8") {
        return "\\u2028";
    }
    return seq == "\xe2\x80\xa9" ? "\\u2029" : std::string_view{};
}

/// Shared escaping loop; `json` selects JSON escapes, otherwise syslog-safe text.
///
/// A byte that is not part of valid UTF-8 must not read like text a client could send. In JSON
/// it becomes a lone low surrogate, \udc80-\udcff (Python's "surrogateescape"): valid UTF-8 can
/// never decode to one, so the wire bytes are recovered exactly and cannot be forged, while
/// ordinary text (Windows paths with backslashes included) is left as it is. In syslog text it
/// becomes \xNN, and a literal backslash is doubled there, which keeps that form unambiguous.
void escape_into(std::string& out, std::string_view s, std::size_t cap, bool json,
                 std::string_view extra) {
    const bool capped = s.size() > cap;
    if (capped) {
        s = s.substr(0, cap);
    }
    for (std::size_t i = 0; i < s.size();) {
        // Printable ASCII that needs no escape is most of every record: copied as one run
        // (escaping byte by byte was 6 % of a default-filter replay).
        std::size_t plain = i;
        while (plain < s.size() && is_plain(static_cast<unsigned char>(s[plain]), json, extra)) {
            ++plain;
        }
        if (plain > i) {
            out.append(s.substr(i, plain - i));
            i = plain;
            continue;
        }
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            const std::size_t n = utf8_sequence(s, i);
            if (n == 0) {
                append_hex_byte(out, json ? "\\udc" : "\\x", c);
                ++i;
            } else {
                const auto seq = s.substr(i, n);
                const auto sep = line_separator(seq);
                out.append(sep.empty() ? seq : sep);
                i += n;
            }
            continue;
        }
        escape_ascii(out, c, json, extra);
        ++i;
    }
    if (capped) {
        out.append("...");
    }
}

}  // namespace

void append_json_string(std::string& out, std::string_view s, std::size_t cap) {
    out.push_back('"');
    escape_into(out, s, cap, true, {});
    out.push_back('"');
}

std::string sanitize_text(std::string_view s, std::string_view extra, std::size_t cap) {
    std::string out;
    out.reserve(s.size());
    escape_into(out, s, cap, false, extra);
    return out;
}

void append_json(std::string& out, const core::Object& o) {
    out.push_back('{');
    bool first = true;
    for (const auto& [k, val] : o) {
        if (!first) {
            out.push_back(',');
        }
        first = false;
        append_json_string(out, k);
        out.push_back(':');
        append_json(out, val);
    }
    out.push_back('}');
}

void append_json(std::string& out, const core::Value& v) {
    struct Visitor {
        std::string& out;
        void operator()(std::nullptr_t) const { out.append("null"); }
        void operator()(bool b) const { out.append(b ? "true" : "false"); }
        void operator()(std::int64_t i) const { out.append(std::to_string(i)); }
        void operator()(double d) const {
            if (!std::isfinite(d)) {
                out.append("null");
                return;
            }
            // Shortest text that reads back as the same double: 1700000400.001, not ...0009999.
            std::array<char, 32> buf{};
            const auto res = std::to_chars(buf.begin(), buf.end(), d);
            out.append(buf.begin(), res.ptr);
        }
        void operator()(const std::string& s) const { append_json_string(out, s); }
        void operator()(const core::Array& a) const {
            out.push_back('[');
            for (std::size_t i = 0; i < a.size(); ++i) {
                if (i > 0) {
                    out.push_back(',');
                }
                append_json(out, a[i]);
            }
            out.push_back(']');
        }
        void operator()(const core::Object& o) const { append_json(out, o); }
    };
    std::visit(Visitor{out}, v.v);
}

}  // namespace printwatch::exporters
